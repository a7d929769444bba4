/* sampler_floor: the C floor for the sampler benchmark. Its stdin is a one-to-many SCTP
 * socket with associations (the bench's own: ours and this take turns over the same ones).
 * It times one full sample of the socket — SCTP_STATUS (which carries the primary path),
 * SCTP_GET_PEER_ADDR_INFO for every other path, SCTP_GET_ASSOC_STATS, for every association
 * — the same calls sctp-core's sampler makes. Like it, the peer address lists are read once,
 * before timing. Prints "floor_us_per_sample <best of ROUNDS>". Built by the bench from
 * <linux/sctp.h>.
 * usage: sampler_floor ROUNDS <SOCKET */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
/* after the socket headers: it uses their types and MSG_FIN */
#include <linux/sctp.h>

#define DIE(what) do { fprintf(stderr, "sampler_floor: %s: %s\n", what, strerror(errno)); exit(1); } while (0)
#define MAX_PATHS 8

static double now_us(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
	if (argc != 2) { fprintf(stderr, "usage: sampler_floor ROUNDS <SOCKET\n"); return 2; }
	int rounds = atoi(argv[1]);
	const int sk = 0;
	uint32_t count = 0;
	socklen_t l = sizeof count;
	if (getsockopt(sk, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &count, &l) < 0) DIE("SCTP_GET_ASSOC_NUMBER on stdin");
	size_t idlen = sizeof(struct sctp_assoc_ids) + (size_t)count * sizeof(sctp_assoc_t);
	struct sctp_assoc_ids *list = malloc(idlen);
	l = idlen;
	if (getsockopt(sk, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, list, &l) < 0) DIE("SCTP_GET_ASSOC_ID_LIST");
	int n = (int)list->gaids_number_of_ids;
	sctp_assoc_t *ids = list->gaids_assoc_id;
	/* Peer address lists, read once (the sampler caches them too). */
	struct sockaddr_storage (*peers)[MAX_PATHS] = calloc(n, sizeof *peers);
	int *npeers = calloc(n, sizeof *npeers);
	char buf[sizeof(struct sctp_getaddrs) + 64 * sizeof(struct sockaddr_in6)];
	for (int i = 0; i < n; i++) {
		struct sctp_getaddrs *ga = (struct sctp_getaddrs *)buf;
		ga->assoc_id = ids[i];
		l = sizeof buf;
		if (getsockopt(sk, IPPROTO_SCTP, SCTP_GET_PEER_ADDRS, ga, &l) < 0) DIE("SCTP_GET_PEER_ADDRS");
		char *at = (char *)ga->addrs;
		for (int k = 0; k < (int)ga->addr_num && npeers[i] < MAX_PATHS; k++) {
			struct sockaddr *sa = (struct sockaddr *)at;
			size_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
			memcpy(&peers[i][npeers[i]++], sa, len);
			at += len;
		}
	}
	double best = 1e18;
	for (int r = 0; r < rounds; r++) {
		double t0 = now_us();
		for (int i = 0; i < n; i++) {
			struct sctp_status st = {.sstat_assoc_id = ids[i]};
			l = sizeof st;
			if (getsockopt(sk, IPPROTO_SCTP, SCTP_STATUS, &st, &l) < 0) DIE("SCTP_STATUS");
			for (int k = 0; k < npeers[i]; k++) {
				struct sockaddr *sa = (struct sockaddr *)&peers[i][k];
				size_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
				if (!memcmp(&st.sstat_primary.spinfo_address, sa, len)) continue;
				struct sctp_paddrinfo pi;
				memset(&pi, 0, sizeof pi);
				pi.spinfo_assoc_id = ids[i];
				memcpy(&pi.spinfo_address, sa, len);
				l = sizeof pi;
				if (getsockopt(sk, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, &pi, &l) < 0) DIE("SCTP_GET_PEER_ADDR_INFO");
			}
			struct sctp_assoc_stats as;
			memset(&as, 0, sizeof as);
			as.sas_assoc_id = ids[i];
			l = sizeof as;
			if (getsockopt(sk, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &as, &l) < 0) DIE("SCTP_GET_ASSOC_STATS");
		}
		double dt = now_us() - t0;
		if (dt < best) best = dt;
	}
	printf("floor_us_per_sample %.1f\n", best);
	return 0;
}
