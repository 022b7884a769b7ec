#include "vanthu/demo/sample_documents.h"

namespace vanthu::demo {
namespace {

// The province's own header: "ỦY BAN NHÂN DÂN" over "TỈNH THÁI NGUYÊN", as the agency prints it.
constexpr const char* kProvinceAgency = "ỦY BAN NHÂN DÂN\nTỈNH THÁI NGUYÊN";
constexpr const char* kPlaceAndDate = "Thái Nguyên, ngày      tháng      năm 2026";

SampleDocument decision() {
  SampleDocument d;
  d.fileName = "quyet-dinh.pdf";
  d.title = "Quyết định ban hành Quy chế quản lý văn bản điện tử của UBND tỉnh";
  auto& l = d.layout;
  l.issuingAgency = kProvinceAgency;
  l.numberNotation = "Số:      /QĐ-UBND";
  l.placeAndDate = kPlaceAndDate;
  l.typeName = "QUYẾT ĐỊNH";
  l.subject =
      "Ban hành Quy chế quản lý, sử dụng hệ thống quản lý văn bản và điều hành trên địa bàn tỉnh "
      "Thái Nguyên";
  l.preamble = {"ỦY BAN NHÂN DÂN TỈNH THÁI NGUYÊN"};
  l.bodyParagraphs = {
      "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
      "Căn cứ Luật Giao dịch điện tử ngày 22 tháng 6 năm 2023;",
      "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn "
      "thư;",
      "Theo đề nghị của Chánh Văn phòng Ủy ban nhân dân tỉnh.",
      "QUYẾT ĐỊNH:",
      "Điều 1. Ban hành kèm theo Quyết định này Quy chế quản lý, sử dụng hệ thống quản lý văn bản "
      "và điều hành trên địa bàn tỉnh Thái Nguyên.",
      "Điều 2. Quyết định này có hiệu lực kể từ ngày ký. Văn phòng Ủy ban nhân dân tỉnh chủ trì, "
      "phối hợp với Sở Khoa học và Công nghệ hướng dẫn, kiểm tra việc thực hiện Quy chế.",
      "Điều 3. Chánh Văn phòng Ủy ban nhân dân tỉnh; Giám đốc các sở, Thủ trưởng các ban, ngành "
      "tỉnh; Chủ tịch Ủy ban nhân dân các xã, phường và các cơ quan, đơn vị có liên quan chịu "
      "trách nhiệm thi hành Quyết định này./.",
  };
  l.authorityMarker = "TM. ỦY BAN NHÂN DÂN";
  l.signerPosition = "CHỦ TỊCH";
  l.signerName = "Phạm Quốc Hùng";
  l.recipients = {"- Như Điều 3;",
                  "- Văn phòng Chính phủ (b/c);",
                  "- TT Tỉnh ủy, TT HĐND tỉnh;",
                  "- Chủ tịch, các PCT UBND tỉnh;",
                  "- Cổng Thông tin điện tử tỉnh;",
                  "- Lưu: VT, HCTC."};
  return d;
}

SampleDocument officialLetter() {
  SampleDocument d;
  d.fileName = "cong-van.pdf";
  d.title = "Công văn triển khai tiếp nhận, xử lý văn bản điện tử và chữ ký số";
  auto& l = d.layout;
  l.issuingAgency = kProvinceAgency;
  l.numberNotation = "Số:      /UBND-VP";
  l.placeAndDate = kPlaceAndDate;
  l.urgency = "KHẨN";
  l.subject = "triển khai gửi, nhận văn bản điện tử có ký số trên Trục liên thông văn bản";
  l.bodyParagraphs = {
      "Kính gửi: Các sở, ban, ngành tỉnh; Ủy ban nhân dân các xã, phường trên địa bàn tỉnh.",
      "Thực hiện Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác "
      "văn thư và các văn bản chỉ đạo của Chính phủ, Thủ tướng Chính phủ về phát triển Chính phủ "
      "số, Ủy ban nhân dân tỉnh đã đưa vào vận hành hệ thống quản lý văn bản và điều hành dùng "
      "chung, kết nối với Trục liên thông văn bản quốc gia. Sau một thời gian triển khai, việc "
      "gửi, nhận văn bản điện tử giữa các cơ quan, đơn vị đã đi vào nề nếp, tiết kiệm đáng kể thời "
      "gian và chi phí in ấn, chuyển phát; tuy nhiên vẫn còn một số tồn tại cần khắc phục.",
      "Qua theo dõi trên hệ thống, một số cơ quan, đơn vị vẫn gửi kèm bản giấy đối với văn bản đã "
      "được ký số; một số văn bản điện tử chưa bảo đảm thể thức, kỹ thuật trình bày theo quy "
      "định, hình ảnh chữ ký không đúng vị trí, con dấu không trùm lên một phần ba chữ ký về phía "
      "bên trái; việc tiếp nhận, cập nhật văn bản đến còn chậm, có văn bản sau nhiều ngày mới được "
      "trình lãnh đạo cho ý kiến chỉ đạo giải quyết.",
      "Để nâng cao hiệu quả quản lý, điều hành trên môi trường mạng, bảo đảm giá trị pháp lý của "
      "văn bản điện tử và đẩy mạnh cải cách hành chính, chuyển đổi số trong cơ quan nhà nước, Ủy "
      "ban nhân dân tỉnh yêu cầu các cơ quan, đơn vị thực hiện tốt một số nội dung sau:",
      "1. Thủ trưởng các cơ quan, đơn vị chịu trách nhiệm chỉ đạo việc gửi, nhận văn bản điện tử "
      "trên hệ thống; trừ văn bản mật theo quy định của pháp luật về bảo vệ bí mật nhà nước, tất "
      "cả văn bản đi phải được ký số và phát hành dưới dạng điện tử, không gửi kèm bản giấy. Văn "
      "bản điện tử được ký số bởi người có thẩm quyền và ký số của cơ quan theo quy định có giá "
      "trị pháp lý như bản gốc văn bản giấy.",
      "2. Văn thư cơ quan có trách nhiệm kiểm tra thể thức, kỹ thuật trình bày, ghi số, ngày, "
      "tháng, năm của văn bản trước khi ký số của cơ quan; hình ảnh chữ ký số của người có thẩm "
      "quyền là hình ảnh chữ ký của người có thẩm quyền trên văn bản giấy, màu xanh, định dạng "
      "PNG nền trong suốt, đặt canh giữa chức vụ và họ tên người ký; hình ảnh chữ ký số của cơ "
      "quan là hình ảnh dấu của cơ quan, màu đỏ, kích thước bằng kích thước thực tế của dấu.",
      "3. Văn bản đến phải được tiếp nhận, đăng ký vào hệ thống trong ngày; văn bản khẩn phải "
      "được trình và chuyển giao ngay sau khi tiếp nhận. Người có thẩm quyền cho ý kiến chỉ đạo "
      "giải quyết, xác định đơn vị chủ trì, đơn vị phối hợp và thời hạn giải quyết trên hệ thống; "
      "cán bộ được giao theo dõi, đôn đốc việc giải quyết văn bản đến có trách nhiệm báo cáo kết "
      "quả định kỳ hằng tháng.",
      "4. Các cơ quan, đơn vị rà soát danh sách cán bộ, công chức được cấp chứng thư chữ ký số "
      "chuyên dùng Chính phủ, đề nghị cấp mới, gia hạn hoặc thu hồi chứng thư số kịp thời khi có "
      "thay đổi về nhân sự; không giao thiết bị lưu khóa bí mật cho người khác sử dụng; bảo quản "
      "thiết bị lưu khóa bí mật của cơ quan tại văn thư cơ quan theo đúng quy định.",
      "5. Sở Khoa học và Công nghệ chủ trì, phối hợp với Văn phòng Ủy ban nhân dân tỉnh bảo đảm hạ "
      "tầng kỹ thuật, đường truyền và an toàn thông tin cho hệ thống quản lý văn bản và điều hành; "
      "tổ chức tập huấn, hướng dẫn nghiệp vụ ký số, kiểm tra chữ ký số cho văn thư và cán bộ, công "
      "chức; theo dõi, tổng hợp tình hình gửi, nhận văn bản điện tử của các cơ quan, đơn vị và báo "
      "cáo Ủy ban nhân dân tỉnh trước ngày 20 hằng tháng.",
      "6. Ủy ban nhân dân các xã, phường sắp xếp, bố trí công chức làm công tác văn thư, lưu trữ "
      "có đủ năng lực sử dụng hệ thống; bảo đảm trang thiết bị máy tính, máy quét và kết nối mạng "
      "phục vụ việc số hóa văn bản đến bằng giấy; văn bản giấy được số hóa phải bảo đảm định dạng "
      "PDF, hình ảnh màu, độ phân giải tối thiểu 200 dpi và được ký số của cơ quan trước khi "
      "chuyển trên hệ thống.",
      "7. Các cơ quan, đơn vị thực hiện lưu trữ văn bản điện tử theo quy định, lập hồ sơ điện tử "
      "trên hệ thống ngay khi giải quyết xong công việc; không in văn bản điện tử ra giấy để lưu "
      "trữ khi hệ thống đã đáp ứng các yêu cầu về chức năng; định kỳ sao lưu dữ liệu và kiểm tra "
      "khả năng phục hồi dữ liệu.",
      "8. Kết quả gửi, nhận văn bản điện tử và tỷ lệ hồ sơ công việc được xử lý trên môi trường "
      "mạng là một trong các tiêu chí đánh giá, xếp loại mức độ hoàn thành nhiệm vụ của cơ quan, "
      "đơn vị và người đứng đầu, đồng thời là căn cứ chấm điểm Chỉ số cải cách hành chính hằng năm "
      "của các sở, ban, ngành và Ủy ban nhân dân các xã, phường.",
      "Văn phòng Ủy ban nhân dân tỉnh theo dõi, đôn đốc việc thực hiện công văn này; tổng hợp "
      "những khó khăn, vướng mắc phát sinh và đề xuất Ủy ban nhân dân tỉnh xem xét, giải quyết "
      "theo thẩm quyền. Trong quá trình thực hiện, nếu có vướng mắc, đề nghị các cơ quan, đơn vị "
      "phản ánh về Văn phòng Ủy ban nhân dân tỉnh qua hệ thống quản lý văn bản và điều hành hoặc "
      "số điện thoại của bộ phận hỗ trợ kỹ thuật để được hướng dẫn.",
      "Ủy ban nhân dân tỉnh yêu cầu Thủ trưởng các cơ quan, đơn vị nghiêm túc triển khai thực "
      "hiện; trường hợp chậm triển khai hoặc để xảy ra sai sót ảnh hưởng đến hoạt động chỉ đạo, "
      "điều hành chung của tỉnh, Thủ trưởng cơ quan, đơn vị chịu trách nhiệm trước Chủ tịch Ủy "
      "ban nhân dân tỉnh./.",
  };
  l.authorityMarker = "KT. CHỦ TỊCH";
  l.signerPosition = "PHÓ CHỦ TỊCH";
  l.signerName = "Đỗ Minh Tuấn";
  l.recipients = {"- Như trên;", "- CT, các PCT UBND tỉnh;", "- Sở Khoa học và Công nghệ;",
                  "- Trung tâm Thông tin tỉnh;", "- Lưu: VT, VP, HCTC."};
  return d;
}

SampleDocument plan() {
  SampleDocument d;
  d.fileName = "ke-hoach.pdf";
  d.title = "Kế hoạch cải cách hành chính và chuyển đổi số năm 2026";
  d.options.xrefStream = true;
  auto& l = d.layout;
  l.issuingAgency = kProvinceAgency;
  l.numberNotation = "Số:      /KH-UBND";
  l.placeAndDate = kPlaceAndDate;
  l.typeName = "KẾ HOẠCH";
  l.subject = "Cải cách hành chính gắn với chuyển đổi số tỉnh Thái Nguyên năm 2026";
  l.bodyParagraphs = {
      "Thực hiện Nghị quyết số 76/NQ-CP ngày 15 tháng 7 năm 2021 của Chính phủ ban hành Chương "
      "trình tổng thể cải cách hành chính nhà nước giai đoạn 2021 - 2030, Ủy ban nhân dân tỉnh ban "
      "hành Kế hoạch cải cách hành chính gắn với chuyển đổi số năm 2026 như sau:",
      "I. MỤC ĐÍCH, YÊU CẦU",
      "1. Tiếp tục đẩy mạnh cải cách thủ tục hành chính, lấy người dân, doanh nghiệp làm trung "
      "tâm; nâng cao chất lượng cung cấp dịch vụ công trực tuyến toàn trình, bảo đảm tỷ lệ hồ sơ "
      "được giải quyết trực tuyến đạt trên 80% tổng số hồ sơ thủ tục hành chính.",
      "2. Xây dựng nền hành chính số: 100% văn bản trao đổi giữa các cơ quan nhà nước dưới dạng "
      "điện tử, được ký số, trừ văn bản mật; 100% hồ sơ công việc cấp tỉnh và 90% hồ sơ công việc "
      "cấp xã được xử lý trên môi trường mạng.",
      "II. NHIỆM VỤ TRỌNG TÂM",
      "1. Rà soát, đơn giản hóa thủ tục hành chính và quy trình nội bộ; số hóa hồ sơ, kết quả "
      "giải quyết thủ tục hành chính; tái sử dụng dữ liệu đã số hóa, không yêu cầu người dân cung "
      "cấp lại thông tin đã có trong cơ sở dữ liệu.",
      "2. Hoàn thiện hệ thống quản lý văn bản và điều hành, kết nối liên thông bốn cấp chính quyền "
      "qua Trục liên thông văn bản quốc gia; triển khai ký số trên thiết bị di động cho lãnh đạo "
      "các cơ quan, đơn vị.",
      "III. TỔ CHỨC THỰC HIỆN",
      "Văn phòng Ủy ban nhân dân tỉnh, Sở Nội vụ, Sở Khoa học và Công nghệ theo chức năng, nhiệm "
      "vụ "
      "hướng dẫn, theo dõi, kiểm tra việc thực hiện Kế hoạch; định kỳ hằng quý tổng hợp, báo cáo "
      "Ủy ban nhân dân tỉnh./.",
  };
  l.authorityMarker = "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH";
  l.signerPosition = "PHÓ CHỦ TỊCH";
  l.signerName = "Đỗ Minh Tuấn";
  l.recipients = {"- Bộ Nội vụ (b/c);", "- TT Tỉnh ủy, TT HĐND tỉnh (b/c);",
                  "- Các sở, ban, ngành tỉnh;", "- UBND các xã, phường;", "- Lưu: VT, NC."};
  return d;
}

}  // namespace

const std::vector<SampleDocument>& sampleDocuments() {
  static const std::vector<SampleDocument> documents = {decision(), officialLetter(), plan()};
  return documents;
}

std::vector<std::filesystem::path> writeSampleDocuments(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> written;
  for (const auto& document : sampleDocuments()) {
    const auto path = dir / document.fileName;
    renderOfficialDocument(document.layout, path, document.options);
    written.push_back(path);
  }
  return written;
}

std::string expectedText(const SampleDocument& document) {
  return renderedText(document.layout);
}

}  // namespace vanthu::demo
