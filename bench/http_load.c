// http_load: a minimal HTTP/1.1 load client for bench/s3_bench.py, so that neither server of
// the comparison is capped by a Python client (the GIL and per-call overhead of http.client
// limit both sides to the same rate once they are fast enough).
//
//   http_load PORT METHOD SIZE < JOBS
//
// JOBS has one line per request: "<client> <seed> <path>". Every client is one thread with one
// keep-alive connection (reconnecting only when the server closes it) that runs its requests
// in order. PUT bodies are SIZE bytes made of 1 MiB windows of a random 8 MiB block at offsets
// derived from <seed> (as bench/s3_bench.py's Python Body does), sent straight from that block;
// GET bodies are read into a 1 MiB buffer and discarded (the length is checked). The clock
// runs from when every client is connected until the last response is read. Prints one line:
// "<seconds> <bytes>". Exit status 1 on any failed request (non-2xx status, short body).
//
// Build: cc -O2 -pthread -o http_load bench/http_load.c
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MIB (1u << 20)
#define BASE_SIZE (8u * MIB)
#define MAX_HEAD 65536

struct job {
  unsigned long long seed;
  char* path;
};

struct client {
  int id;
  struct job* jobs;
  size_t njobs, cap;
  int fd;
  char* buf;  // response bytes
  size_t have, pos;
  int failed;
  pthread_t thread;
};

static int port;
static const char* method;
static unsigned long long size;
static unsigned char* base;
static pthread_barrier_t start_barrier;

static void die(const char* what) {
  perror(what);
  exit(2);
}

static int connect_server(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr*)&a, sizeof a) != 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static int send_all(int fd, const void* p, size_t n) {
  const char* c = p;
  while (n > 0) {
    ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

// Buffered reads of the response: the head is parsed from c->buf, body bytes past it are
// consumed from there first.
static ssize_t fill(struct client* c) {
  if (c->pos == c->have) c->pos = c->have = 0;
  if (c->have == MIB) return -1;
  for (;;) {
    ssize_t r = recv(c->fd, c->buf + c->have, MIB - c->have, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r > 0) c->have += (size_t)r;
    return r;
  }
}

// Reads one response; returns its status (0 on a broken connection) and discards the body.
static int read_response(struct client* c, int* keep_alive) {
  char* end;
  for (;;) {
    c->buf[c->have] = 0;
    end = c->have > c->pos ? memmem(c->buf + c->pos, c->have - c->pos, "\r\n\r\n", 4) : NULL;
    if (end) break;
    if (c->pos > 0) {  // move the partial head to the front
      memmove(c->buf, c->buf + c->pos, c->have - c->pos);
      c->have -= c->pos;
      c->pos = 0;
    }
    if (fill(c) <= 0) return 0;
  }
  char* head = c->buf + c->pos;
  *end = 0;
  int status = 0;
  if (sscanf(head, "HTTP/1.%*d %d", &status) != 1) return 0;
  unsigned long long len = 0;
  *keep_alive = 1;
  // Header lines: cut each at its CRLF (the head itself was cut at the blank line).
  for (char* l = strstr(head, "\r\n"); l; ) {
    l += 2;
    char* next = strstr(l, "\r\n");
    if (next) *next = 0;
    if (strncasecmp(l, "content-length:", 15) == 0) len = strtoull(l + 15, NULL, 10);
    if (strncasecmp(l, "connection:", 11) == 0 && strcasestr(l + 11, "close")) *keep_alive = 0;
    if (strncasecmp(l, "transfer-encoding:", 18) == 0) {
      fprintf(stderr, "http_load: chunked responses are not supported\n");
      return 0;
    }
    l = next;
  }
  c->pos = (size_t)(end + 4 - c->buf);
  unsigned long long got = 0;
  while (got < len) {
    if (c->pos == c->have && fill(c) <= 0) return 0;
    size_t n = c->have - c->pos;
    if (n > len - got) n = (size_t)(len - got);
    got += n;
    c->pos += n;
  }
  if (method[0] == 'G' && status / 100 == 2 && len != size) {
    fprintf(stderr, "http_load: GET returned %llu bytes, expected %llu\n", len, size);
    return 0;
  }
  return status;
}

static int do_request(struct client* c, const struct job* j) {
  char head[MAX_HEAD];
  int n;
  if (method[0] == 'P') {
    n = snprintf(head, sizeof head,
                 "PUT %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %llu\r\n"
                 "Content-Type: application/octet-stream\r\n\r\n",
                 j->path, port, size);
  } else {
    n = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", j->path, port);
  }
  if (n <= 0 || (size_t)n >= sizeof head) return -1;
  if (send_all(c->fd, head, (size_t)n) != 0) return -1;
  if (method[0] == 'P') {
    const unsigned long long seed = j->seed * 7919 + 1;
    for (unsigned long long pos = 0, block = 0; pos < size; pos += MIB, ++block) {
      size_t len = size - pos < MIB ? (size_t)(size - pos) : MIB;
      size_t start = (size_t)((seed * 4099 + block * 131) % (BASE_SIZE - MIB));
      if (send_all(c->fd, base + start, len) != 0) return -1;
    }
  }
  int keep_alive = 1;
  int status = read_response(c, &keep_alive);
  if (status / 100 != 2) {
    fprintf(stderr, "http_load: %s %.80s: status %d\n", method, j->path, status);
    return -1;
  }
  if (!keep_alive) {
    close(c->fd);
    c->fd = connect_server();
    c->pos = c->have = 0;
  }
  return 0;
}

static void* run_client(void* arg) {
  struct client* c = arg;
  c->fd = connect_server();
  c->buf = malloc(MIB + 1);
  if (!c->buf) die("malloc");
  pthread_barrier_wait(&start_barrier);
  for (size_t i = 0; i < c->njobs && !c->failed; ++i) {
    if (do_request(c, &c->jobs[i]) != 0) c->failed = 1;
  }
  close(c->fd);
  return NULL;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: http_load PORT GET|PUT SIZE < JOBS\n");
    return 2;
  }
  port = atoi(argv[1]);
  method = argv[2];
  size = strtoull(argv[3], NULL, 10);
  base = malloc(BASE_SIZE);
  if (!base) die("malloc");
  for (size_t done = 0; done < BASE_SIZE;) {
    ssize_t r = getrandom(base + done, BASE_SIZE - done, 0);
    if (r < 0) die("getrandom");
    done += (size_t)r;
  }
  struct client* clients = NULL;
  int nclients = 0;
  char line[MAX_HEAD];
  while (fgets(line, sizeof line, stdin)) {
    int id;
    unsigned long long seed;
    char path[MAX_HEAD];
    if (sscanf(line, "%d %llu %s", &id, &seed, path) != 3 || id < 0 || id > 4096) continue;
    if (id >= nclients) {
      clients = realloc(clients, sizeof *clients * (size_t)(id + 1));
      memset(clients + nclients, 0, sizeof *clients * (size_t)(id + 1 - nclients));
      nclients = id + 1;
    }
    struct client* c = &clients[id];
    if (c->njobs == c->cap) {
      c->cap = c->cap ? c->cap * 2 : 16;
      c->jobs = realloc(c->jobs, sizeof *c->jobs * c->cap);
    }
    c->jobs[c->njobs++] = (struct job){seed, strdup(path)};
  }
  if (nclients == 0) {
    fprintf(stderr, "http_load: no jobs\n");
    return 2;
  }
  pthread_barrier_init(&start_barrier, NULL, (unsigned)nclients + 1);
  for (int i = 0; i < nclients; ++i) {
    clients[i].id = i;
    if (pthread_create(&clients[i].thread, NULL, run_client, &clients[i]) != 0) die("thread");
  }
  pthread_barrier_wait(&start_barrier);
  double t0 = now();
  unsigned long long bytes = 0;
  int failed = 0;
  for (int i = 0; i < nclients; ++i) {
    pthread_join(clients[i].thread, NULL);
    failed |= clients[i].failed;
    bytes += clients[i].njobs * size;
  }
  double elapsed = now() - t0;
  printf("%.6f %llu\n", elapsed, bytes);
  return failed;
}
