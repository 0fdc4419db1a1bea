/*
 * test_config_fuzz.c — config_load_buffer() and config_load() over
 * generated INI-ish files and byte mutations of the uncommented
 * proxy.ini.example: every input either loads into a config that keeps
 * every invariant (check_invariants()) or fails with a "file:..."
 * message; the loops must reach the success path often.
 */
#include "config_fixture.h"
#include "config_invariants.h"

/* --- fuzz ------------------------------------------------------------ */

struct rng {
	uint64_t s;
};

static unsigned
rn(struct rng *r, unsigned n)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (unsigned)((r->s >> 11) % n);
}

static const char *const fuzz_headers[] = {
	"[gateway]", "[tls]", "[peer hostB]", "[peer p1]", "[peer p2]",
	"[peer]", "[bogus]", "[gateway", "[ tls ]", "[peer a b]",
	"[peer HOSTB]", "[]", "[peer x/y]", "  [peer p3]  # c",
	"[node b1]", "[node b1]", "[node B1]", "[node]", "[node a@b]",
	"[node a b]", "[ node  n_2 ]", "[nodes x]",
};

static const char *const fuzz_values[] = {
	"", "0", "1", "4369", "4370", "65535", "65536", "-1", "yes", "off",
	"hostA", "hostB hostB.test", "a,b,,c", "HOSTA", "x/y", "p1", "p2",
	"127.0.0.1", "::1", "127.0.0.1 ::1", "10.0.0.1", "127.0.1.5",
	"127.0.1.1", "127.0.0.1:4370", "[::1]:4370", "0.0.0.0:4369",
	"127.0.1.0/24", "127.0.2.0/30", "127.0.1.1/24", "10.0.0.0/8",
	"127.0.0.0/8", "64k", "16M", "17m", "4095", "250ms", "10s", "2m",
	"99ms", "61s", "30s", "1h", "cert.pem", "key.pem", "ca.pem",
	"missing.pem", ".", "/", "1.2", "1.3", "debug", "warn", "x ; y",
	"spiffe://x/y", "a # b", "4294967296", "18446744073709551616",
	"*", "app* db?", "a@b", "*@hostB", "*@hostB *@p1", "a@b@c", "a@",
	"@b", "x.y", "[ab]", "cookie", "empty.cookie", "open.cookie",
	"audit.log", "nodir/audit.log", "cert.pem/x", "1000000", "1000001",
	"3600s", "3601s", "24h", "25h", "999ms",
	/* kind, via, reach, tls_port, public_* and state_file */
	"gateway", "native", "plain", "Native", "hostB", "HOSTB", "q1", "q2",
	"p1 p2", "q1, q2", "q1 Q1", "4400", "4369-4370", "4400-4499",
	"4400-4400", "1-10000", "1-10001", "4499-4400", "0-1", "4400-",
	"10.77.0.1:4369", "0.0.0.0:4369", "0.0.0.0:4400", "[::]:4369",
	"[2001:db8::1]:4369", "127.0.0.2:4369", "10.77.0.1:4370",
	"ports.state", "nodir/ports.state",
};

/* The only values "address" gets: no name that needs DNS. */
static const char *const fuzz_addresses[] = {
	"10.77.0.2:4370", "[::1]:4370", "127.0.0.1:1", "localhost:4370",
	"bad!host:1", "10.0.0.1", ":", "", "[::1]", "1.2.3.4:99999",
	"[1.2.3.4]:5", "::1:4", "localhost", "[]", "10.77.0.3", "[::1]:",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void
fuzz_append(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + n >= cap)
		n = cap - *len - 1;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

static void
fuzz_random_text(struct rng *r, char *out, size_t n)
{
	static const char cs[] = "abcxyzAZ019_-.:/,;#=[] \t\"\\'@\x01\x7f"
	    "\r\xc3\xa9";

	for (size_t i = 0; i < n; i++)
		out[i] = cs[rn(r, sizeof(cs) - 1)];
	out[n] = '\0';
}

/* Builds a random INI-ish file into buf; returns its length. */
static size_t
fuzz_generate(struct rng *r, char *buf, size_t cap)
{
	size_t len = 0;
	unsigned lines = rn(r, 25);
	char tmp[160];

	buf[0] = '\0';
	if (rn(r, 2) == 0) {
		static const char base[] = GW TLS;
		static const char pub[] = GW "public_epmd = 10.77.0.1:4369\n"
		    "public_ports = 4400-4499\n" TLS;

		if (rn(r, 3) == 0)
			fuzz_append(buf, cap, &len, pub, sizeof(pub) - 1);
		else
			fuzz_append(buf, cap, &len, base, sizeof(base) - 1);
	}
	for (unsigned i = 0; i < lines; i++) {
		unsigned kind = rn(r, 20);
		const char *v;

		if (kind < 11) {
			const struct config_key *k =
			    &config_keys[rn(r, (unsigned)config_nkeys)];

			if (rn(r, 8) == 0)
				fuzz_append(buf, cap, &len, "  ", 2);
			fuzz_append(buf, cap, &len, k->name, strlen(k->name));
			v = rn(r, 4) ? " = " : "=";
			fuzz_append(buf, cap, &len, v, strlen(v));
			if (strcmp(k->name, "address") == 0)
				v = fuzz_addresses[rn(r, NELEM(fuzz_addresses))];
			else if (rn(r, 5) == 0) {
				fuzz_random_text(r, tmp, rn(r, 30));
				v = tmp;
			} else
				v = fuzz_values[rn(r, NELEM(fuzz_values))];
			fuzz_append(buf, cap, &len, v, strlen(v));
		} else if (kind < 15) {
			v = fuzz_headers[rn(r, NELEM(fuzz_headers))];
			fuzz_append(buf, cap, &len, v, strlen(v));
		} else if (kind < 17) {
			v = rn(r, 2) ? "; comment = x" : "   # comment";
			fuzz_append(buf, cap, &len, v, strlen(v));
		} else if (kind == 17) {
			/* A whole section that can pass: [node], or [peer]
			   of some kind with its own lists and links. */
			unsigned id = rn(r, 4), id2 = rn(r, 4);

			switch (rn(r, 7)) {
			case 0:
				snprintf(tmp, sizeof(tmp), "[node n%u]\n"
				    "cookie_file = cookie", id);
				break;
			case 1:
				snprintf(tmp, sizeof(tmp), "[node n%u]\n"
				    "tls_port = 44%02u", id, id2);
				break;
			case 2:
				snprintf(tmp, sizeof(tmp), "[peer q%u]\naddress"
				    " = 10.0.0.%u:1\nhostnames = q%u\n"
				    "local_nodes = n%u*", id, id, id, id);
				break;
			case 3:
				snprintf(tmp, sizeof(tmp), "[peer q%u]\nkind ="
				    " %s\naddress = 10.0.1.%u\nhostnames = q%u",
				    id, rn(r, 2) ? "native" : "plain", id, id);
				break;
			case 4:
				snprintf(tmp, sizeof(tmp), "[peer g%u]\n"
				    "address = 10.0.3.%u:1\nhostnames = g%u\n"
				    "[peer v%u]\nvia = %s%u\nhostnames = v%u",
				    id, id, id, id, rn(r, 4) ? "g" : "q", id2,
				    id);
				break;
			case 5:
				snprintf(tmp, sizeof(tmp), "public_epmd ="
				    " 10.77.0.%u:4369\npublic_ports ="
				    " 44%02u-4499", id + 1, id2);
				break;
			default:
				snprintf(tmp, sizeof(tmp), "[peer r%u]\naddress"
				    " = 10.0.2.%u:1\nhostnames = r%u\nreach ="
				    " q%u", id, id, id, id2);
			}
			fuzz_append(buf, cap, &len, tmp, strlen(tmp));
		} else {
			fuzz_random_text(r, tmp, rn(r, 40));
			fuzz_append(buf, cap, &len, tmp, strlen(tmp));
		}
		fuzz_append(buf, cap, &len, rn(r, 10) ? "\n" : "\r\n",
		    rn(r, 10) ? 1 : 2);
	}
	return len;
}

/* Mutates 1-4 bytes of BASE into buf; returns the length. */
static size_t
fuzz_mutate(struct rng *r, const char *base, size_t blen, char *buf,
    size_t cap)
{
	size_t len = blen;
	unsigned ops = 1 + rn(r, 4);

	memcpy(buf, base, blen);
	for (unsigned i = 0; i < ops && len > 0 && len + 1 < cap; i++) {
		size_t at = rn(r, (unsigned)len);
		char c = (char)rn(r, 256);

		switch (rn(r, 3)) {
		case 0:
			buf[at] = c;
			break;
		case 1:
			memmove(buf + at, buf + at + 1, len - at - 1);
			len--;
			break;
		default:
			memmove(buf + at + 1, buf + at, len - at);
			buf[at] = c;
			len++;
		}
	}
	buf[len] = '\0';
	return len;
}

/* True when an "address" line of TEXT is not one of BASE's lines: such a
   value might be a host name that needs DNS. */
static int
fuzz_needs_dns(const char *text, size_t len, const char *base)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char line[256];

		if (memmem(p, n, "address", 7) != NULL) {
			if (n >= sizeof(line) || memchr(p, '\0', n) != NULL)
				return 1;
			memcpy(line, p, n);
			line[n] = '\0';
			const char *hit = strstr(base, line);
			if (hit == NULL || (hit != base && hit[-1] != '\n') ||
			    hit[n] != '\n')
				return 1;
		}
		p += n + 1;
	}
	return 0;
}


/* Drops the '#' comment lines and blank lines of TEXT, in place. */
static void
drop_prose(char *text)
{
	char *in = text, *out = text;

	while (*in != '\0') {
		size_t n = strcspn(in, "\n");
		int keep = n > 0 && in[0] != '#';

		if (in[n] == '\n')
			n++;
		if (keep) {
			memmove(out, in, n);
			out += n;
		}
		in += n;
	}
	*out = '\0';
}

/* One input through config_load_buffer (or config_load when FILE); counts
   successes in ok[0], those with a [node] section or a peer's own
   local_nodes in ok[1], those with a peer of another kind, via, reach, a
   tls_port or public_epmd in ok[2]. */
static void
fuzz_one(struct tmp *t, const char *name, const char *text, size_t len,
    int file, unsigned ok[3])
{
	struct config *c = NULL;
	char err[256];
	size_t n = strlen(name);
	int rc;

	if (file) {
		FILE *f;

		/* A new file each time: rewriting one in place makes ext4
		   flush it on close. */
		(void)unlink(name);
		f = fopen(name, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(text, 1, len, f), len);
		assert_int_equal(fclose(f), 0);
		rc = config_load(name, &c, err, sizeof(err));
	} else
		rc = config_load_buffer(name, text, len, &c, err, sizeof(err));
	(void)t;
	if (rc == 0) {
		assert_non_null(c);
		check_invariants(c);
		int extra = c->nnodes > 0, links = c->public_epmd.len != 0;
		for (size_t i = 0; i < c->npeers; i++) {
			const struct config_peer *p = &c->peers[i];

			extra |= p->local_nodes != NULL;
			links |= p->kind != PEER_KIND_GATEWAY ||
			    p->via != NULL || p->reach != NULL;
		}
		for (size_t i = 0; i < c->nnodes; i++)
			links |= c->nodes[i].tls_port != 0;
		ok[0]++;
		ok[1] += extra;
		ok[2] += links;
		config_free(c);
		return;
	}
	assert_int_equal(rc, -1);
	assert_null(c);
	if (strncmp(err, name, n) != 0 || err[n] != ':' ||
	    strstr(err + n, ": ") == NULL)
		fail_msg("bad message \"%s\" for input \"%s\"", err, text);
}

static void
test_fuzz(void **state)
{
	struct tmp *t = *state;
	struct rng r = { 0x9e3779b97f4a7c15ull };
	char name[128], buf[4096], *base;
	unsigned ok_gen[3] = { 0 }, ok_mut[3] = { 0 }, ok_file[3] = { 0 };
	unsigned skipped = 0;
	size_t len, blen;

	snprintf(name, sizeof(name), "%s/fuzz.ini", t->dir);
	put(t, "hostA.crt", "C\n", 0644);
	put(t, "hostA.key", "K\n", 0600);
	put(t, "ca.crt", "CA\n", 0644);
	base = example_here(t);
	uncomment_keys(base);
	drop_prose(base);
	blen = strlen(base);
	assert_true(blen + 8 < sizeof(buf));
	/* The uncommented example needs its optional files. */
	put(t, "cookie", "S\n", 0600);
	put(t, "hostB.cookie", "B\n", 0600);
	put(t, "b1.cookie", "N\n", 0600);
	put(t, "ca.crl", "R\n", 0644);
	/* Cookie files that fail, for the generated inputs. */
	put(t, "empty.cookie", "\n", 0600);
	put(t, "open.cookie", "O\n", 0644);

	for (unsigned i = 0; i < 100000; i++) {
		len = fuzz_generate(&r, buf, sizeof(buf));
		fuzz_one(t, name, buf, len, 0, ok_gen);
	}
	for (unsigned i = 0; i < 100000; i++) {
		len = fuzz_mutate(&r, base, blen, buf, sizeof(buf));
		if (fuzz_needs_dns(buf, len, base)) {
			skipped++;
			continue;
		}
		fuzz_one(t, name, buf, len, 0, ok_mut);
	}
	for (unsigned i = 0; i < 3000; i++) {
		len = fuzz_generate(&r, buf, sizeof(buf));
		fuzz_one(t, name, buf, len, 1, ok_file);
	}
	print_message("fuzz: generated %u ok of 100000, mutated %u ok of"
	    " %u, files %u ok of 3000; with [node] or local_nodes: %u, %u,"
	    " %u; with kinds, via, reach, tls_port or public_epmd: %u, %u,"
	    " %u\n", ok_gen[0], ok_mut[0], 100000 - skipped, ok_file[0],
	    ok_gen[1], ok_mut[1], ok_file[1], ok_gen[2], ok_mut[2],
	    ok_file[2]);
	/* The loops must reach the success path, not only errors. */
	assert_true(ok_gen[0] > 100);
	assert_true(ok_mut[0] > 100);
	assert_true(ok_file[0] > 3);
	assert_true(ok_gen[1] > 10);
	assert_true(ok_mut[1] > 100);
	assert_true(ok_gen[2] > 100);
	assert_true(ok_mut[2] > 100);
	free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_fuzz),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
