// vanthu-bench-sign: in-process signing throughput on one PDF (the 1-page input), the way the
// server signs: the key is opened once (PKCS#12 decrypt not counted), then signPdf's two phases
// run N times, each into a fresh output file in a temporary directory (tmpfs when there is one).
//
// Phases are timed through the public API, which is where the seams are:
//   prepare   = prepareSignature: PoDoFo load + incremental update build + write + ByteRange hash
//   key       = DigestSigner::signDigest: the one private-key operation
//   complete  = completeSignature: CMS build (+ checking the value) + write into the placeholder
//               + rename
// Hashing and file I/O happen inside prepare/complete and cannot be timed there, so they are
// measured beside the loop on the same bytes: a SHA-256 over the output's size, and writing
// + renaming an output-sized file. Those two are estimates of the share, labelled as such.
// Best of --runs runs, each --count signatures; one line per key for script/bench to parse.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "vanthu/signing/key_sources.h"
#include "vanthu/signing/pdf_signer.h"

namespace {

namespace fs = std::filesystem;
using namespace vanthu::signing;
using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

const char* keyName(KeyAlgorithm algorithm) {
  switch (algorithm) {
    case KeyAlgorithm::Rsa2048:
      return "RSA-2048";
    case KeyAlgorithm::Rsa3072:
      return "RSA-3072";
    case KeyAlgorithm::EcP256:
      return "EC-P256";
    case KeyAlgorithm::EcP384:
      return "EC-P384";
    default:
      return "unknown";
  }
}

struct Run {
  double totalMs = 0;
  double prepareMs = 0;
  double keyMs = 0;
  double completeMs = 0;
};

Run signLoop(const fs::path& input, const fs::path& dir, DigestSigner& key,
             const SignatureRequest& base, int count) {
  Run run;
  auto certificate = key.certificate();
  auto chain = key.chain();
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    SignatureRequest request = base;
    request.signingTime = std::chrono::system_clock::now();
    fs::path work = dir / "out.pdf.partial";
    fs::path out = dir / "out.pdf";
    auto t0 = Clock::now();
    PreparedSignature prepared = prepareSignature(input, work, request, certificate, chain);
    auto t1 = Clock::now();
    std::string value = key.signDigest(prepared.toBeSignedDigest, prepared.digest);
    auto t2 = Clock::now();
    completeSignature(prepared, value, out);
    auto t3 = Clock::now();
    run.prepareMs += std::chrono::duration<double, std::milli>(t1 - t0).count();
    run.keyMs += std::chrono::duration<double, std::milli>(t2 - t1).count();
    run.completeMs += std::chrono::duration<double, std::milli>(t3 - t2).count();
  }
  run.totalMs = msSince(start);
  return run;
}

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Per-signature cost of hashing what a signature hashes (the output minus the placeholder).
double hashMsPerSignature(const std::string& bytes, size_t hashed, int count) {
  std::string_view view(bytes.data(), std::min(hashed, bytes.size()));
  auto start = Clock::now();
  size_t sink = 0;
  for (int i = 0; i < count; ++i)
    sink += static_cast<unsigned char>(computeDigest(DigestAlgorithm::Sha256, view)[0]);
  double ms = msSince(start) / count;
  if (sink == 1) std::fputs("", stderr);  // keep the loop from being optimised away
  return ms;
}

// Per-signature cost of the file I/O a signature does at least: write the output once, rename.
double ioMsPerSignature(const std::string& bytes, const fs::path& dir, int count) {
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    {
      std::ofstream out(dir / "io.partial", std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    fs::rename(dir / "io.partial", dir / "io.pdf");
  }
  return msSince(start) / count;
}

int usage() {
  std::cerr << "usage: vanthu-bench-sign --in PDF --p12 FILE [--p12 FILE...] --password-env VAR\n"
               "                         [--field NAME] [--count N] [--runs R]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path input;
  std::vector<fs::path> keys;
  std::string passwordVariable;
  std::string field;
  int count = 300;
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    std::string value = argv[++i];
    if (arg == "--in") {
      input = value;
    } else if (arg == "--p12") {
      keys.emplace_back(value);
    } else if (arg == "--password-env") {
      passwordVariable = value;
    } else if (arg == "--field") {
      field = value;
    } else if (arg == "--count") {
      count = std::max(1, std::atoi(value.c_str()));
    } else if (arg == "--runs") {
      runs = std::max(1, std::atoi(value.c_str()));
    } else {
      return usage();
    }
  }
  const char* password = passwordVariable.empty() ? nullptr : std::getenv(passwordVariable.c_str());
  if (input.empty() || keys.empty() || password == nullptr) return usage();

  // tmpfs when available, so the numbers are about the signer and not the disk.
  fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  fs::path dir = base / ("vanthu-bench-sign-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  int status = 0;
  try {
    for (const auto& p12 : keys) {
      auto key = Pkcs12Signer::open(p12, password);
      SignatureRequest request;
      if (!field.empty()) request.existingField = field;
      signLoop(input, dir, *key, request, std::min(count, 20));  // warm caches and allocators
      Run best;
      for (int r = 0; r < runs; ++r) {
        Run run = signLoop(input, dir, *key, request, count);
        if (r == 0 || run.totalMs < best.totalMs) best = run;
      }
      std::string output = readAll(dir / "out.pdf");
      size_t hashed = output.size() - 2 * request.reservedCmsBytes;
      double hashMs = hashMsPerSignature(output, hashed, count);
      double ioMs = ioMsPerSignature(output, dir, count);
      std::printf(
          "key=%s count=%d runs=%d sig_per_s=%.1f ms_per_sig=%.4f prepare_ms=%.4f key_ms=%.4f "
          "complete_ms=%.4f hash_ms=%.4f io_ms=%.4f input_bytes=%ju output_bytes=%zu\n",
          keyName(keyAlgorithmOf(key->certificate())), count, runs, count * 1000.0 / best.totalMs,
          best.totalMs / count, best.prepareMs / count, best.keyMs / count, best.completeMs / count,
          hashMs, ioMs, static_cast<uintmax_t>(fs::file_size(input)), output.size());
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::cerr << "vanthu-bench-sign: " << e.what() << std::endl;
    status = 1;
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return status;
}
