/* sampler_floor: the C floor for the sampler benchmark. A one-to-many server on
 * 127.0.0.1 and 127.0.0.2 gets N associations (from N client sockets bound to both
 * addresses, so every association has two paths); then it times one full sample of the
 * server — SCTP_STATUS (which carries the primary path), SCTP_GET_PEER_ADDR_INFO for every
 * other path, SCTP_GET_ASSOC_STATS, for every association — the same calls sctp-core's
 * sampler makes. Like it, the peer address lists are read once, before timing.
 * Prints "floor_us_per_sample <best of ROUNDS>". Built by the bench from <linux/sctp.h>.
 * usage: sampler_floor N ROUNDS PORT */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sctp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#define DIE(what) do { fprintf(stderr, "sampler_floor: %s: %s\n", what, strerror(errno)); exit(1); } while (0)

static double now_us(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static struct sockaddr_in addr(const char *ip, int port) {
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

int main(int argc, char **argv) {
	if (argc != 4) { fprintf(stderr, "usage: sampler_floor N ROUNDS PORT\n"); return 2; }
	int n = atoi(argv[1]), rounds = atoi(argv[2]), port = atoi(argv[3]);
	struct sockaddr_in both[2] = {addr("127.0.0.1", port), addr("127.0.0.2", port)};
	int srv = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	if (srv < 0) DIE("socket");
	if (setsockopt(srv, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, both, sizeof both) < 0) DIE("bindx");
	if (listen(srv, 1024) < 0) DIE("listen");
	struct sockaddr_in local[2] = {addr("127.0.0.1", 0), addr("127.0.0.2", 0)};
	for (int i = 0; i < n; i++) {
		int cli = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
		if (cli < 0) DIE("client socket");
		if (setsockopt(cli, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, local, sizeof local) < 0) DIE("client bindx");
		fcntl(cli, F_SETFL, O_NONBLOCK);
		struct { sctp_assoc_t id; int len; void *addrs; } p = {0, sizeof both, both};
		socklen_t l = sizeof p;
		if (getsockopt(cli, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX3, &p, &l) < 0 && errno != EINPROGRESS) DIE("connectx");
	}
	/* Wait until the server lists every association. */
	sctp_assoc_t *ids = NULL;
	size_t idlen = sizeof(struct sctp_assoc_ids) + (size_t)n * sizeof(sctp_assoc_t);
	struct sctp_assoc_ids *list = malloc(idlen);
	for (int tries = 0;; tries++) {
		socklen_t l = idlen;
		if (getsockopt(srv, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, list, &l) < 0 && errno != EINVAL) DIE("SCTP_GET_ASSOC_ID_LIST");
		if (l > 0 && (int)list->gaids_number_of_ids == n) { ids = list->gaids_assoc_id; break; }
		if (tries > 300) { fprintf(stderr, "sampler_floor: only %u of %d associations up\n", list->gaids_number_of_ids, n); return 1; }
		usleep(100000);
	}
	int cli = srv; /* the sampled socket */
	/* Peer address lists, read once (the sampler caches them too). */
	struct sockaddr_in (*peers)[2] = calloc(n, sizeof *peers);
	int *npeers = calloc(n, sizeof *npeers);
	char buf[8 + 64 * sizeof(struct sockaddr_in6)];
	for (int i = 0; i < n; i++) {
		struct sctp_getaddrs *ga = (struct sctp_getaddrs *)buf;
		ga->assoc_id = ids[i];
		socklen_t l = sizeof buf;
		if (getsockopt(cli, IPPROTO_SCTP, SCTP_GET_PEER_ADDRS, ga, &l) < 0) DIE("SCTP_GET_PEER_ADDRS");
		npeers[i] = ga->addr_num < 2 ? ga->addr_num : 2;
		memcpy(peers[i], ga->addrs, npeers[i] * sizeof(struct sockaddr_in));
	}
	double best = 1e18;
	for (int r = 0; r < rounds; r++) {
		double t0 = now_us();
		for (int i = 0; i < n; i++) {
			struct sctp_status st = {.sstat_assoc_id = ids[i]};
			socklen_t l = sizeof st;
			if (getsockopt(cli, IPPROTO_SCTP, SCTP_STATUS, &st, &l) < 0) DIE("SCTP_STATUS");
			for (int k = 0; k < npeers[i]; k++) {
				if (!memcmp(&st.sstat_primary.spinfo_address, &peers[i][k], sizeof(struct sockaddr_in))) continue;
				struct sctp_paddrinfo pi;
				memset(&pi, 0, sizeof pi);
				pi.spinfo_assoc_id = ids[i];
				memcpy(&pi.spinfo_address, &peers[i][k], sizeof(struct sockaddr_in));
				l = sizeof pi;
				if (getsockopt(cli, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, &pi, &l) < 0) DIE("SCTP_GET_PEER_ADDR_INFO");
			}
			struct sctp_assoc_stats as;
			memset(&as, 0, sizeof as);
			as.sas_assoc_id = ids[i];
			l = sizeof as;
			if (getsockopt(cli, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &as, &l) < 0) DIE("SCTP_GET_ASSOC_STATS");
		}
		double dt = now_us() - t0;
		if (dt < best) best = dt;
	}
	printf("floor_us_per_sample %.1f\n", best);
	return 0;
}
