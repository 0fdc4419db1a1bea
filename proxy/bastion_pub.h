/*
 * bastion_pub.h — a bastion's public EPMD answering native TLS nodes for
 * inside nodes.
 *
 * A native peer whose `reach` lists inside hosts asks the public EPMD for
 * an alive name that is no exposed local node: the hosts of its reach
 * list are asked in order (a gateway over a pooled link, RESOLVE; a plain
 * or native host's epmd, PORT_PLEASE2) and the first that has the node
 * wins.  The answer is a pinned TLS port on the public address for that
 * inside node (public.h); a connection to it is checked like any peer's
 * and bridged by bastion routing (bastion.h), which checks `reach` again.
 */
#ifndef DISTGATE_BASTION_PUB_H
#define DISTGATE_BASTION_PUB_H

struct epmd_conn;

/*
 * Looks up inside node ALIVE for public EPMD client E.  Returns 0 when E
 * was taken over (it is answered later, found or not, and audited when
 * not), or -1 when E's client is no native peer with a reach list (the
 * caller answers "not found").
 */
int bastion_pub_lookup(struct epmd_conn *e, const char *alive);

#endif
