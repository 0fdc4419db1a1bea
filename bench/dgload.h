/*
 * dgload.h — the benchmark's raw load tool (bench/dgload): EPMD and
 * distribution-handshake stand-ins, 4-byte-framed streams, and the probes
 * that read a gateway's memory and CPU from /proc.
 *
 * The tool is both ends of a distribution connection without Erlang: an
 * acceptor that registers with an EPMD (distgate's) and answers the
 * handshake, and an initiator that asks an EPMD for a port, connects and
 * handshakes.  After the handshake both speak 4-byte frames whose first
 * payload byte says what they are (see DGL_F_*).  With --raw there is no
 * EPMD and no handshake: plain TCP, for direct links and stunnel.
 *
 * Blocking sockets and one thread per connection throughout: simple, and
 * cheap enough for the thousand idle tunnels of the memory test.
 */
#ifndef DGLOAD_H
#define DGLOAD_H

#include <stddef.h>
#include <stdint.h>

/* First payload byte of a frame. */
#define DGL_F_DATA	'd'	/* filler, counted */
#define DGL_F_END	'e'	/* sender is done */
#define DGL_F_COUNT	'c'	/* u64 bytes received (reply to END) */
#define DGL_F_PING	'p'	/* echoed */
#define DGL_F_ONEWAY	'O'	/* command: sink what follows */
#define DGL_F_DUPLEX	'D'	/* command: u32 frame, u32 ms; both send */
#define DGL_F_ECHO	'P'	/* command: echo every frame */

#define DGL_MAXPIDS	4
#define DGL_NAME_MAX	128

/* Where and how an initiator connects. */
struct dgl_target {
	char addr[64];		/* numeric IPv4 address */
	uint16_t port;		/* 0: ask the EPMD at addr:epmd_port */
	uint16_t epmd_port;
	int handshake;		/* 1: distribution handshake first */
	char node[DGL_NAME_MAX];	/* acceptor's full name (EPMD lookup) */
	char name[DGL_NAME_MAX];	/* our full name */
};

/* Processes whose memory and CPU a test reports (gateways, stunnels). */
struct dgl_probe {
	int n;
	int pid[DGL_MAXPIDS];
};

/* A buffered reader of 4-byte frames on a blocking socket. */
struct dgl_rd {
	int fd;
	uint8_t *buf;
	size_t cap, off, len;
	uint64_t bytes;		/* bytes consumed, headers included */
};

/* ---- dgload_net.c: sockets, EPMD, handshake, frames --------------------- */

/* Monotonic time in seconds. */
double dgl_now(void);

/* Parses "A.B.C.D:PORT" into ADDR (cap bytes) and *PORT.  Returns 0/-1. */
int dgl_hostport(const char *s, char *addr, size_t cap, uint16_t *port);

/* Blocking TCP connect to ADDR:PORT with TCP_NODELAY.  Returns the fd (the
 * caller closes it) or -1 with a message on stderr. */
int dgl_connect(const char *addr, uint16_t port);

/* Listens on ADDR:PORT (0: any port); *BOUND gets the port.  Returns the
 * fd or -1. */
int dgl_listen(const char *addr, uint16_t port, uint16_t *bound);

/* Writes/reads exactly N bytes.  Return 0, or -1 (read: also on EOF). */
int dgl_write_all(int fd, const void *p, size_t n);
int dgl_read_full(int fd, void *p, size_t n);

/* Registers ALIVE at PORT with the EPMD at ADDR:EPORT (ALIVE2).  Returns
 * the registration socket (keep it open: closing it unregisters) or -1. */
int dgl_epmd_register(const char *addr, uint16_t eport, const char *alive,
    uint16_t port);

/* Asks the EPMD at ADDR:EPORT for ALIVE's port (PORT_PLEASE2).  Returns 0
 * with *PORT set, or -1 (not found, or no answer). */
int dgl_epmd_port(const char *addr, uint16_t eport, const char *alive,
    uint16_t *port);

/* The initiator's half of the distribution handshake on FD (2-byte
 * lengths, OTP 25 flags, any digest), as NAME.  PEER (cap bytes) gets the
 * acceptor's name.  Returns 0 or -1 with a message on stderr. */
int dgl_hs_initiate(int fd, const char *name, char *peer, size_t cap);

/* The acceptor's half on FD, as NAME; PEER gets the initiator's name. */
int dgl_hs_accept(int fd, const char *name, char *peer, size_t cap);

/* A reader for FD with a CAP-byte buffer.  Returns 0 or -1. */
int dgl_rd_init(struct dgl_rd *r, int fd, size_t cap);
void dgl_rd_free(struct dgl_rd *r);

/*
 * Reads the next frame: copies up to HCAP of its first payload bytes to
 * HEAD, skips the rest, and sets *PLEN to its payload length.  Returns 0,
 * 1 on EOF at a frame boundary, -1 on error or EOF inside a frame.
 */
int dgl_rd_frame(struct dgl_rd *r, uint8_t *head, size_t hcap, size_t *plen);

/* Sends one frame whose payload is P (LEN bytes).  Returns 0/-1. */
int dgl_send_frame(int fd, const void *p, size_t len);

/* ---- dgload_run.c: the tests -------------------------------------------- */

/* Serves one accepted connection until EOF (handshake first unless RAW),
 * as NAME.  Closes FD.  Returns 0 or -1. */
int dgl_serve(int fd, const char *name, int raw);

/* Connects to T (EPMD lookup and handshake as T says).  Returns the fd,
 * ready for a command, or -1. */
int dgl_open(const struct dgl_target *t);

/*
 * Sends FSIZE-byte frames on FD for SECS seconds; prints the rate the far
 * end counted (MB/s), and the PROBE processes' RSS growth and CPU per GB.
 * KEY prefixes the printed names.  Returns 0/-1.
 */
int dgl_oneway(int fd, size_t fsize, double secs, const struct dgl_probe *pr,
    const char *key);

/* Both ends send FSIZE-byte frames for SECS seconds; prints the sum of
 * both directions (MB/s).  Returns 0/-1. */
int dgl_duplex(int fd, size_t fsize, double secs, const char *key);

/* N ping-pongs of 64-byte frames; prints p50 and p99 in microseconds. */
int dgl_rtt(int fd, unsigned n, const char *key);

/*
 * Opens N tunnels to T with PAR threads, each carrying one ping; then
 * prints the PROBE processes' RSS growth per tunnel (KiB) and the setup
 * times, holds them HOLD seconds and closes them.  Returns 0/-1.
 */
int dgl_idle(const struct dgl_target *t, unsigned n, unsigned par,
    double hold, const struct dgl_probe *pr);

/* VmRSS of PID in KiB, or -1.  CPU time (user + system) of PID in
 * seconds, or -1. */
long dgl_rss_kb(int pid);
double dgl_cpu_s(int pid);

#endif
