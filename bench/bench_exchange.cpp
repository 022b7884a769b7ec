// vanthu-bench-exchange: edXML packages built and read per second (issue 8), in one process.
//
//   vanthu-bench-exchange --pdf NAME=FILE [--pdf NAME=FILE]... --dir DIR [--seconds S] [--ops A,B]
//   vanthu-bench-exchange --once OP --pdf NAME=FILE --dir DIR
//
// For each PDF, a package with the PDF as its one attachment and the metadata of an ordinary
// Công văn (three recipients, a trace, Vietnamese text) is written to DIR/NAME.edxml, then each
// operation (all, or those of --ops) runs repeatedly for about S seconds (default 3, at least 3
// times, after one warm-up):
//   build          buildPackageXml: the package as one string in memory
//   write          writePackage into a new DIR/NAME.out.edxml (an ofstream; page cache, no fsync)
//   read           readPackage on the package's bytes in memory
//   read-file      readPackageFile: the file streamed, never held whole
//   validate       EdxmlSchema::package().validate on the bytes (the shipped XSD)
//   validate-file  EdxmlSchema::package().validateFile
//   parse          the guarded libxml2 parse alone (what read and validate start with)
//   decode         the attachment's base64 text decoded alone (Base64Decoder, one piece)
// Output: one tab-separated line per measurement on stdout for script/bench-exchange:
//   R <name> <op> <runs> <ops_per_s> <ms_per_op> <attachment_MB_per_s> <package_bytes>
// --once OP runs OP once on the first PDF's package (written first if it is missing) and exits:
// peak RSS is measured around it by the script (/usr/bin/time), "none" measures the process alone.
// Progress on stderr. Nothing here asserts a time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "base64_decoder.h"
#include "untrusted_xml.h"
#include "vanthu/exchange/edxml_reader.h"
#include "vanthu/exchange/edxml_schema.h"
#include "vanthu/exchange/edxml_writer.h"

namespace {

namespace fs = std::filesystem;
using namespace vanthu;
using namespace vanthu::exchange;
using Clock = std::chrono::steady_clock;

struct Input {
  std::string name;
  fs::path pdf;
};

struct Options {
  std::vector<Input> inputs;
  fs::path dir;
  double seconds = 3;
  std::string once;
  std::vector<std::string> ops = {"build",    "write",         "read",  "read-file",
                                  "validate", "validate-file", "parse", "decode"};
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "vanthu-bench-exchange: " << message << std::endl;
  std::exit(1);
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

Organization agency(const std::string& code, const std::string& name) {
  Organization o;
  o.organId = code;
  o.organName = name;
  return o;
}

EdxmlPackage packageWith(const std::string& pdfName, std::string pdf) {
  EdxmlPackage p;
  MessageHeader& h = p.header;
  h.from = agency("000.00.00.H49", "Ủy ban nhân dân tỉnh Quảng Ninh");
  h.from.organAdd = "Phường Hồng Hà, thành phố Hạ Long, tỉnh Quảng Ninh";
  h.from.email = "vanthu@quangninh.gov.vn";
  h.to = {agency("000.00.01.H49", "Sở Nội vụ tỉnh Quảng Ninh"),
          agency("000.00.02.H49", "Sở Tài chính tỉnh Quảng Ninh"),
          agency("000.00.00.G14", "Văn phòng Chính phủ")};
  h.code = {"267", "UBND-TTĐT"};
  h.promulgationInfo = {"Quảng Ninh", {2026, 11, 29}};
  h.documentType = {18, "1", "Công văn"};
  h.subject = "V/v triển khai chuyển đổi số trong công tác văn thư, lưu trữ";
  h.content = "Đề nghị các sở, ngành khẩn trương thực hiện.";
  h.signerInfo = {"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn Thắng"};
  h.toPlaces = {"Như trên;", "Lưu: VT, TTĐT."};
  h.otherInfo.priority = 1;
  h.otherInfo.pageAmount = 1;
  h.documentId = "000.00.00.H49,2026/11/29,267/UBND-TTĐT";
  p.trace.traceHeaders = {{"000.00.00.H49", {{2026, 11, 29}, 8, 30, 5}}};
  p.attachments = {{"cid:8a1c2f4e-0b7d-4c1e-9a5b-2f3e4d5c6b7a", pdfName, "application/pdf",
                    "Văn bản đã ký số", std::move(pdf)}};
  return p;
}

// The attachment's base64 text, as it lies in the package (line-wrapped, in
// ContentTransferEncoded).
std::string base64Text(const std::string& xml) {
  const std::string open = "<ContentTransferEncoded>";
  auto start = xml.find(open);
  if (start == std::string::npos) fail("no ContentTransferEncoded in the package");
  start += open.size();
  auto end = xml.find('<', start);
  return xml.substr(start, end - start);
}

struct Measurement {
  int runs = 0;
  double seconds = 0;
};

Measurement measure(double budget, const std::function<void()>& op) {
  op();  // warm-up: page cache, the schema compiled, allocator arenas
  Measurement m;
  auto start = Clock::now();
  while (m.runs < 3 || m.seconds < budget) {
    op();
    ++m.runs;
    m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return m;
}

template <typename T>
void check(const Result<T>& result, const char* what) {
  if (!result.isOk()) fail(std::string(what) + ": " + result.status().message());
}
void check(const Status& status, const char* what) {
  if (!status.isOk()) fail(std::string(what) + ": " + status.message());
}

struct Package {
  Input input;
  EdxmlPackage model;
  std::string xml;
  fs::path file;
  fs::path outFile;
  size_t attachmentBytes = 0;
};

Package preparePackage(const Input& input, const fs::path& dir) {
  Package p;
  p.input = input;
  p.model = packageWith(input.pdf.filename().string(), readFile(input.pdf));
  p.attachmentBytes = p.model.attachments.front().bytes.size();
  auto xml = buildPackageXml(p.model);
  check(xml, "buildPackageXml");
  p.xml = std::move(xml).value();
  p.file = dir / (input.name + ".edxml");
  p.outFile = dir / (input.name + ".out.edxml");
  std::ofstream out(p.file, std::ios::binary | std::ios::trunc);
  out.write(p.xml.data(), static_cast<std::streamsize>(p.xml.size()));
  if (!out.flush()) fail("cannot write " + p.file.string());
  // The base64 text alone, for the peers' floor (`base64 -d`) in the script; with LF line ends,
  // which is what GNU base64 accepts (libxml2's writer ends the lines with CR LF).
  std::ofstream b64(dir / (input.name + ".b64"), std::ios::binary | std::ios::trunc);
  std::string text = base64Text(p.xml);
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  b64.write(text.data(), static_cast<std::streamsize>(text.size()));
  return p;
}

std::function<void()> operation(const std::string& op, const Package& p) {
  if (op == "build") {
    return [&p] { check(buildPackageXml(p.model), "buildPackageXml"); };
  }
  if (op == "write") {
    // A new file each time: truncating the previous one would make ext4 start its writeback
    // on close (auto_da_alloc), which is the file system's cost, not the writer's.
    return [&p] {
      fs::remove(p.outFile);
      std::ofstream out(p.outFile, std::ios::binary);
      check(writePackage(p.model, out), "writePackage");
    };
  }
  if (op == "read") {
    return [&p] { check(readPackage(p.xml, p.file.string()), "readPackage"); };
  }
  if (op == "read-file") {
    return [&p] { check(readPackageFile(p.file), "readPackageFile"); };
  }
  if (op == "validate") {
    return [&p] { check(EdxmlSchema::package().validate(p.xml, p.file.string()), "validate"); };
  }
  if (op == "validate-file") {
    return [&p] { check(EdxmlSchema::package().validateFile(p.file), "validateFile"); };
  }
  if (op == "parse") {
    return [&p] { check(parseUntrustedXml(p.xml, p.file.string(), ReadLimits{}), "parse"); };
  }
  if (op == "decode") {
    auto text = std::make_shared<std::string>(base64Text(p.xml));
    size_t size = p.attachmentBytes;
    return [text, size] {
      std::string bytes;
      bytes.reserve(text->size() / 4 * 3);
      Base64Decoder decoder(&bytes);
      if (!decoder.feed(*text) || !decoder.finish()) fail("decode: " + decoder.error());
      if (bytes.size() != size) fail("decode: the attachment's size differs");
    };
  }
  if (op == "none") return [] {};
  fail("unknown operation " + op);
}

Options parseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--pdf") {
      std::string v = value();
      auto eq = v.find('=');
      if (eq == std::string::npos) fail("--pdf takes NAME=FILE");
      o.inputs.push_back({v.substr(0, eq), v.substr(eq + 1)});
    } else if (arg == "--dir") {
      o.dir = value();
    } else if (arg == "--seconds") {
      o.seconds = std::stod(value());
    } else if (arg == "--ops") {
      o.ops.clear();
      std::stringstream list(value());
      for (std::string op; std::getline(list, op, ',');) o.ops.push_back(op);
    } else if (arg == "--once") {
      o.once = value();
    } else {
      fail(
          "usage: vanthu-bench-exchange --pdf NAME=FILE... --dir DIR [--seconds S] [--ops A,B] "
          "[--once OP]");
    }
  }
  if (o.inputs.empty() || o.dir.empty()) fail("--pdf and --dir are required");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parseArgs(argc, argv);
  fs::create_directories(options.dir);

  if (!options.once.empty()) {
    // One operation in a fresh process: the package file is written by an earlier run (its own
    // building must not count in the peak), the model is built only for the operations that
    // need it.
    const Input& input = options.inputs.front();
    fs::path file = options.dir / (input.name + ".edxml");
    if (options.once == "none") return 0;
    if (options.once == "read-file") {
      check(readPackageFile(file), "readPackageFile");
    } else if (options.once == "validate-file") {
      check(EdxmlSchema::package().validateFile(file), "validateFile");
    } else if (options.once == "read") {
      std::string xml = readFile(file);
      check(readPackage(xml, file.string()), "readPackage");
    } else if (options.once == "write") {
      EdxmlPackage model = packageWith(input.pdf.filename().string(), readFile(input.pdf));
      std::ofstream out(options.dir / (input.name + ".out.edxml"), std::ios::binary);
      check(writePackage(model, out), "writePackage");
    } else {
      fail("--once takes none, read, read-file, validate-file or write");
    }
    return 0;
  }

  const std::vector<std::string> ops = {"build",    "write",         "read",  "read-file",
                                        "validate", "validate-file", "parse", "decode"};
  for (const Input& input : options.inputs) {
    Package p = preparePackage(input, options.dir);
    std::cerr << "vanthu-bench-exchange: " << input.name << ": " << p.attachmentBytes
              << " bytes attached, package " << p.xml.size() << " bytes" << std::endl;
    for (const std::string& op : options.ops) {
      Measurement m = measure(options.seconds, operation(op, p));
      double perSecond = m.runs / m.seconds;
      std::printf("R\t%s\t%s\t%d\t%.2f\t%.3f\t%.1f\t%zu\n", input.name.c_str(), op.c_str(), m.runs,
                  perSecond, 1000.0 * m.seconds / m.runs,
                  perSecond * static_cast<double>(p.attachmentBytes) / 1e6, p.xml.size());
      std::fflush(stdout);
    }
  }
  return 0;
}
