// vanthu-bench-inputs DIR: writes the benchmark inputs, the same files for every tool.
//   DIR/1page.pdf    one A4 page of text
//   DIR/20mb.pdf     ~20 MB: 20 pages, each with a 1 MiB image of random bytes
//   DIR/200mb.pdf    ~200 MB: 200 such pages
// Each has ONE empty, invisible signature field "Signature1" on page 1, because `mutool sign`
// can only sign existing empty fields and every tool should get the same file.
// The image data is random and stored unfiltered so the size is real (no tool can shortcut it by
// a cheap inflate) and generation is fast. PdfStreamedDocument writes each stream as it is
// appended, so generating 200 MB needs little memory.
#include <podofo/podofo.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace PoDoFo;

constexpr unsigned kImageWidth = 512;
constexpr unsigned kImageHeight = 683;  // 512 x 683 x 3 bytes ~ 1 MiB per page

// xorshift64*: deterministic and fast; the data only has to be incompressible, not secret.
struct Random {
  uint64_t state;
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ULL;
  }
  void fill(std::vector<char>& bytes) {
    size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
      uint64_t v = next();
      for (int b = 0; b < 8; ++b)
        bytes[i + static_cast<size_t>(b)] = static_cast<char>(v >> (8 * b));
    }
    for (; i < bytes.size(); ++i) bytes[i] = static_cast<char>(next());
  }
};

// An empty signature field: a widget with /FT /Sig and no /V, listed in /AcroForm /Fields.
void addEmptySignatureField(PdfDocument& doc, PdfPage* page) {
  PdfAnnotation* widget = page->CreateAnnotation(ePdfAnnotation_Widget, PdfRect(0, 0, 0, 0));
  PdfDictionary& dict = widget->GetObject()->GetDictionary();
  dict.AddKey("FT", PdfName("Sig"));
  dict.AddKey("T", PdfString("Signature1"));
  dict.AddKey("F", PdfVariant(static_cast<pdf_int64>(132)));  // Print | Locked
  dict.AddKey("P", page->GetObject()->Reference());
  PdfAcroForm* form = doc.GetAcroForm(true, ePdfAcroFormDefaultAppearance_None);
  PdfDictionary& formDict = form->GetObject()->GetDictionary();
  PdfArray fields;
  fields.push_back(widget->GetObject()->Reference());
  formDict.AddKey("Fields", fields);
  formDict.AddKey("SigFlags", PdfVariant(static_cast<pdf_int64>(3)));
}

void writePdf(const fs::path& path, int imagePages) {
  PdfStreamedDocument doc(path.c_str(), ePdfVersion_1_7);
  PdfFont* font =
      doc.CreateFont("Helvetica", false, PdfEncodingFactory::GlobalWinAnsiEncodingInstance(),
                     PdfFontCache::eFontCreationFlags_AutoSelectBase14, false);
  Random random{0x9E3779B97F4A7C15ULL};
  std::vector<char> pixels(static_cast<size_t>(kImageWidth) * kImageHeight * 3);
  int pages = imagePages > 0 ? imagePages : 1;
  for (int i = 0; i < pages; ++i) {
    PdfPage* page = doc.CreatePage(PdfPage::CreateStandardPageSize(ePdfPageSize_A4));
    // The field goes on page 1 now: the page tree does not keep earlier PdfPage objects alive.
    if (i == 0) addEmptySignatureField(doc, page);
    PdfPainter painter;
    painter.SetPage(page);
    painter.SetFont(font);
    font->SetFontSize(12);
    painter.DrawText(72, 770, ("vanthu benchmark input, page " + std::to_string(i + 1)).c_str());
    if (imagePages > 0) {
      random.fill(pixels);
      PdfImage image(&doc);
      image.SetImageColorSpace(ePdfColorSpace_DeviceRGB);
      PdfMemoryInputStream stream(pixels.data(), static_cast<pdf_long>(pixels.size()));
      // Raw: no /Filter, the bytes go to the file as they are.
      image.SetImageDataRaw(kImageWidth, kImageHeight, 8, &stream);
      painter.DrawImage(72, 72, &image, 451.0 / kImageWidth, 600.0 / kImageHeight);
    }
    painter.FinishPage();
  }
  doc.Close();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr,
                 "usage: vanthu-bench-inputs DIR  (writes 1page.pdf, 20mb.pdf, 200mb.pdf)\n");
    return 2;
  }
  try {
    fs::path dir = argv[1];
    fs::create_directories(dir);
    PdfError::EnableDebug(false);
    writePdf(dir / "1page.pdf", 0);
    writePdf(dir / "20mb.pdf", 20);
    writePdf(dir / "200mb.pdf", 200);
    for (const char* name : {"1page.pdf", "20mb.pdf", "200mb.pdf"}) {
      std::printf("%s %ju bytes\n", (dir / name).c_str(),
                  static_cast<uintmax_t>(fs::file_size(dir / name)));
    }
    return 0;
  } catch (const PdfError& e) {
    std::fprintf(stderr, "vanthu-bench-inputs: PoDoFo error %d\n", static_cast<int>(e.GetError()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vanthu-bench-inputs: %s\n", e.what());
  }
  return 1;
}
