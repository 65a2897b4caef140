#include "server/server.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "server/auth/admin_token.h"
#include "server/auth/token_store.h"
#include "fs/collector.h"
#include "server/gc.h"
#include "server/http/listener.h"
#include "server/http/memory_budget.h"
#include "server/http/router.h"
#include "server/http/routes.h"
#include "server/storage.h"
#include "kv/kv_service.h"
#include "queue/queue_service.h"
#include "server/http/kv_queue_routes.h"
#include "server/http/object_routes.h"
#include "server/periodic_task.h"
#include "server/resp/resp_server.h"
#include "server/s3/credential_store.h"
#include "server/s3/master_key.h"
#include "server/s3/s3_server.h"
#include "common/clock.h"

namespace strata::server {

// Members are declared in dependency order and destroyed in reverse; stop() tears down
// explicitly in the same order so nothing runs against a closed engine.
struct Server::Impl {
  ServerOptions options;
  std::string host;
  Storage storage;
  std::unique_ptr<auth::TokenStore> tokens;
  auth::AdminToken admin;
  std::unique_ptr<http::MemoryBudget> budget;
  std::unique_ptr<http::Router> router;
  std::unique_ptr<http::Listener> listener;
  std::unique_ptr<fs::Collector> collector;
  std::unique_ptr<CollectorMetrics> collector_metrics;
  std::unique_ptr<kv::KvService> kv;
  std::unique_ptr<queue::QueueService> queues;
  std::unique_ptr<resp::RespServer> resp;
  std::unique_ptr<s3::CredentialStore> s3_credentials;
  std::unique_ptr<s3::S3Server> s3;
  PeriodicTask kv_expiry;
  bool stopped = false;

  void stop() {
    if (stopped) return;
    stopped = true;
    if (listener) listener->stop();  // no handler runs after this
    if (resp) resp->stop();
    if (s3) s3->stop();
    kv_expiry.stop();
    if (collector) collector->stop();
    listener.reset();
    router.reset();
    collector_metrics.reset();
    collector.reset();
    resp.reset();
    s3.reset();
    s3_credentials.reset();
    queues.reset();
    kv.reset();
    tokens.reset();
    storage.objects.reset();
    storage.service.reset();
    storage.store.reset();
    storage.engine.reset();  // flushes and closes RocksDB
    spdlog::info("server stopped");
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { stop(); }

uint16_t Server::port() const { return impl_->listener ? impl_->listener->port() : 0; }
uint16_t Server::s3Port() const { return impl_->s3 ? impl_->s3->port() : 0; }
uint16_t Server::respPort() const { return impl_->resp ? static_cast<uint16_t>(impl_->resp->port()) : 0; }

std::string Server::url() const {
  std::string host = impl_->host.find(':') != std::string::npos ? "[" + impl_->host + "]" : impl_->host;
  return "http://" + host + ":" + std::to_string(port());
}

const std::string& Server::adminTokenPath() const { return impl_->admin.path; }
bool Server::createdAdminToken() const { return impl_->admin.created; }

void Server::stop() {
  if (impl_) impl_->stop();
}

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options) {
  http::ListenerOptions listen;
  RETURN_IF_ERROR(http::parseListenAddress(options.listen, listen));
  listen.shutdown_grace = std::chrono::milliseconds(options.shutdown_grace_ms);
  if (options.gc_interval_seconds < 0 || options.gc_grace_seconds < 0) {
    return invalidArgument("gc interval and grace must not be negative");
  }

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->host = listen.host;
  fs::ServiceOptions service_options;
  service_options.gc_grace_seconds = options.gc_grace_seconds;
  ASSIGN_OR_RETURN(impl->storage, openStorage(options.data_dir, service_options,
                                               StorageOptions{options.small_chunk_max}));
  impl->tokens = std::make_unique<auth::TokenStore>(*impl->storage.engine);
  ASSIGN_OR_RETURN(impl->admin,
                   auth::ensureAdminToken(*impl->tokens, options.data_dir, kDefaultWorkspace));
  // S3 secrets are sealed with the server's master key (docs/s3.md); tokens made with --s3
  // get a credential under the same id.
  ASSIGN_OR_RETURN(s3::MasterKey master_key, s3::MasterKey::loadOrCreate(options.data_dir + "/master-key"));
  impl->s3_credentials = std::make_unique<s3::CredentialStore>(*impl->storage.engine, std::move(master_key));

  fs::FileSystemService& service = *impl->storage.service;
  impl->collector = std::make_unique<fs::Collector>(service.chunks());
  impl->collector_metrics = std::make_unique<CollectorMetrics>(*impl->collector);
  describeGcMetrics();
  impl->budget = std::make_unique<http::MemoryBudget>(options.memory_budget_bytes);
  auth::TokenStore* tokens = impl->tokens.get();
  impl->router = std::make_unique<http::Router>(
      [tokens](std::optional<std::string_view> header) { return tokens->authenticateHeader(header); });
  CollectorMetrics* gc_metrics = impl->collector_metrics.get();
  http::addHealthRoutes(*impl->router, [gc_metrics] { gc_metrics->refresh(); });
  http::addTokenRoutes(*impl->router, *impl->tokens, *impl->s3_credentials);
  http::addFsRoutes(*impl->router, service);
  http::addUploadRoutes(*impl->router, service, *impl->budget);
  http::addDownloadRoutes(*impl->router, service, *impl->budget);
  http::addInodeRoutes(*impl->router, service, *impl->storage.engine);

  const db::Durability durability = options.kv_sync ? db::Durability::kSync : db::Durability::kBuffered;
  impl->kv = std::make_unique<kv::KvService>(
      *impl->storage.engine, kv::KvOptions{.max_namespaces_per_workspace = options.kv_max_namespaces,
                                          .durability = durability});
  impl->queues = std::make_unique<queue::QueueService>(*impl->storage.engine, durability);
  http::addKvRoutes(*impl->router, *impl->kv);
  http::addQueueRoutes(*impl->router, *impl->queues);
  http::addObjectRoutes(*impl->router, *impl->storage.objects, *impl->s3_credentials, [i = impl.get()] { return http::S3Endpoint{i->options.s3_listen, i->s3 ? i->s3->port() : uint16_t{0}}; });
  if (!options.resp_listen.empty()) {
    impl->resp = std::make_unique<resp::RespServer>(resp::RespDeps{
        *impl->kv, [tokens](std::string_view token) { return tokens->authenticate(token); }},
        options.resp_io_threads);
    RETURN_IF_ERROR(impl->resp->start(options.resp_listen));
  }
  // Expired keys read as absent at once; this deletes their records in the background.
  kv::KvService* kv = impl->kv.get();
  impl->kv_expiry.start(std::chrono::milliseconds(1000), [kv] {
    for (int round = 0; round < 100; ++round) {
      auto purged = kv->purgeExpired(nowNanos() / 1'000'000, 1000);
      if (!purged.ok()) {
        spdlog::warn("kv expiry sweep: {}", purged.status().toString());
        return;
      }
      if (*purged < 1000) return;
    }
  });

  ASSIGN_OR_RETURN(impl->listener, http::Listener::start(listen, *impl->router));
  if (!options.s3_listen.empty()) {
    s3::S3ServerOptions s3_options;
    RETURN_IF_ERROR(http::parseListenAddress(options.s3_listen, s3_options.listen));
    s3_options.listen.shutdown_grace = std::chrono::milliseconds(options.shutdown_grace_ms);
    ASSIGN_OR_RETURN(impl->s3, s3::startS3Server(s3_options, {*impl->storage.objects, *impl->s3_credentials}));
  }
  if (options.gc_interval_seconds > 0) {
    impl->collector->start(std::chrono::seconds(options.gc_interval_seconds));
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

}  // namespace strata::server
