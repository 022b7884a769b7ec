#include "web_routes.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "http_support.h"

#ifndef VANTHU_WEB_ROOT
#define VANTHU_WEB_ROOT "web"
#endif

namespace vanthu::api {
namespace {

namespace fs = std::filesystem;

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

fs::path webRoot(const ServerConfig& config) {
  return config.webRoot.empty() ? fs::path(VANTHU_WEB_ROOT) : config.webRoot;
}

// pdf.js's own build files, the only ones taken from node_modules.
bool isPdfJsFile(const std::string& file) {
  return file == "pdf.min.mjs" || file == "pdf.worker.min.mjs";
}

// Sends `path` (a regular file) with an ETag of its size and modification time; 304 for a
// matching If-None-Match. `cacheControl` replaces the API's no-store.
void sendWebFile(RequestContext& context, const fs::path& path, const std::string& type,
                 const std::string& cacheControl) {
  std::error_code error;
  auto status = fs::status(path, error);
  if (error || !fs::is_regular_file(status)) {
    sendProblem(context, Status(ErrorCode::NotFound,
                                "no file " + path.filename().string() + " in the web workplace"));
    return;
  }
  auto size = fs::file_size(path, error);
  auto modified = fs::last_write_time(path, error);
  std::ostringstream tag;
  tag << '"' << std::hex << size << '-' << modified.time_since_epoch().count() << '"';
  context.response.set("Cache-Control", cacheControl);
  context.response.set("ETag", tag.str());
  if (context.request.get("If-None-Match", "") == tag.str()) {
    context.response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
    context.response.setContentLength(0);
    context.response.send();
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    sendProblem(context,
                Status(ErrorCode::NotFound,
                       "the web workplace's file " + path.filename().string() + " cannot be read"));
    return;
  }
  std::ostringstream body;
  body << in.rdbuf();
  sendBody(context, 200, type, body.str());
}

// The handler serving the files of `directory` below the web root whose names `allowed` takes;
// any other name is a 404 naming `what`.
Handler staticFiles(const ServerConfig& config, bool (*allowed)(const std::string&),
                    fs::path directory, std::string what, std::string cacheControl) {
  return [&config, allowed, directory = std::move(directory), what = std::move(what),
          cacheControl = std::move(cacheControl)](RequestContext& context) {
    const std::string& file = context.pathParameters["file"];
    if (!allowed(file)) {
      sendProblem(context, Status(ErrorCode::NotFound, "no " + what + " " + file));
      return;
    }
    sendWebFile(context, webRoot(config) / directory / file, webContentType(file), cacheControl);
  };
}

}  // namespace

bool isServedWebFileName(const std::string& file) {
  if (file.empty() || file.size() > 80 || file.front() == '.') return false;
  if (file.find("..") != std::string::npos) return false;
  for (char c : file) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!allowed) return false;
  }
  for (const char* suffix : {".js", ".mjs", ".css", ".html", ".svg", ".png", ".json"}) {
    if (endsWith(file, suffix)) return true;
  }
  return false;
}

std::string webContentType(const std::string& file) {
  if (endsWith(file, ".js") || endsWith(file, ".mjs")) return "text/javascript; charset=utf-8";
  if (endsWith(file, ".css")) return "text/css; charset=utf-8";
  if (endsWith(file, ".html")) return "text/html; charset=utf-8";
  if (endsWith(file, ".svg")) return "image/svg+xml";
  if (endsWith(file, ".png")) return "image/png";
  if (endsWith(file, ".json")) return "application/json; charset=utf-8";
  return "application/octet-stream";
}

void registerWebRoutes(Router& router, ApiServices& services) {
  const ServerConfig& config = services.config;
  router.add({"GET",
              "/",
              Access::anyone(),
              {"The web workplace (web/index.html); it signs in and works through this API",
               "web",
               "",
               200,
               "html",
               {},
               {404}}},
             [&config](RequestContext& context) {
               sendWebFile(context, webRoot(config) / "index.html", "text/html; charset=utf-8",
                           "no-cache");
             });
  router.add({"GET",
              "/web/{file}",
              Access::anyone(),
              {"A file of the web workplace: an ES module (text/javascript), a style sheet "
               "(text/css), an image or a dictionary; revalidated by ETag",
               "web",
               "",
               200,
               "static",
               {},
               {404}}},
             staticFiles(config, isServedWebFileName, "", "web file", "no-cache"));
  router.add({"GET",
              "/web/pdfjs/{file}",
              Access::anyone(),
              {"pdf.js (pdf.min.mjs, pdf.worker.min.mjs; text/javascript), the version pinned in "
               "web/package-lock.json, served locally",
               "web",
               "",
               200,
               "static",
               {},
               {404}}},
             staticFiles(config, isPdfJsFile, fs::path("node_modules") / "pdfjs-dist" / "build",
                         "pdf.js file", "public, max-age=86400"));
}

}  // namespace vanthu::api
