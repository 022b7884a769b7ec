#include "podofo_support.h"

#include <mutex>

namespace vanthu::signing::detail {

void quietPodofo() {
  static std::once_flag once;
  std::call_once(once, [] {
    PoDoFo::PdfError::EnableDebug(false);
    PoDoFo::PdfError::EnableLogging(false);
  });
}

void throwPdfError(const PoDoFo::PdfError& error, const std::string& what, ErrorCode fallback) {
  using namespace PoDoFo;
  std::string detail = PdfError::ErrorName(error.GetError());
  if (const char* message = PdfError::ErrorMessage(error.GetError())) {
    detail += std::string(" (") + message + ")";
  }
  for (const auto& frame : error.GetCallstack()) {
    if (!frame.GetInformation().empty()) detail += ": " + frame.GetInformation();
  }
  ErrorCode code = fallback;
  switch (error.GetError()) {
    case ePdfError_InvalidPassword:
      code = ErrorCode::InvalidPassword;
      break;
    case ePdfError_FileNotFound:
    case ePdfError_InvalidDeviceOperation:
      code = ErrorCode::IoFailure;
      break;
    case ePdfError_NoPdfFile:
    case ePdfError_BrokenFile:
    case ePdfError_InvalidTrailerSize:
    case ePdfError_InvalidLinearization:
    case ePdfError_PageNotFound:
    case ePdfError_InvalidFontFile:
    case ePdfError_NoXRef:
    case ePdfError_NoTrailer:
    case ePdfError_NoNumber:
    case ePdfError_NoObject:
    case ePdfError_NoEOFToken:
    case ePdfError_InvalidXRef:
    case ePdfError_InvalidXRefStream:
    case ePdfError_InvalidXRefType:
    case ePdfError_InvalidPredictor:
    case ePdfError_InvalidHexString:
    case ePdfError_InvalidStream:
    case ePdfError_InvalidStreamLength:
    case ePdfError_InvalidKey:
    case ePdfError_InvalidName:
    case ePdfError_InvalidEncryptionDict:
    case ePdfError_InvalidDataType:
    case ePdfError_UnexpectedEOF:
    case ePdfError_UnsupportedFilter:
    case ePdfError_UnsupportedFontFormat:
    case ePdfError_MissingEndStream:
    case ePdfError_Date:
    case ePdfError_Flate:
    case ePdfError_InvalidContentStream:
    case ePdfError_ValueOutOfRange:
      code = ErrorCode::InvalidPdf;
      break;
    default:
      break;
  }
  throw Error(code, what + ": " + detail);
}

}  // namespace vanthu::signing::detail
