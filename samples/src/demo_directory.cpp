#include "vanthu/demo/demo_directory.h"

namespace vanthu::demo {
namespace {

using workflow::Role;

DemoDirectory makeDirectory() {
  DemoDirectory d;
  // Tiers are data: the district tier ended with the reform of 1 July 2025.
  d.tiers = {
      {"central", "Trung ương", 1, std::nullopt},
      {"province", "Cấp tỉnh", 2, std::nullopt},
      {"district", "Cấp huyện", 3, std::string("2025-07-01")},
      {"commune", "Cấp xã", 4, std::nullopt},
  };

  auto org = [](std::string id, std::string code, std::string name, std::string abbreviation,
                std::string tier, std::optional<std::string> parent,
                std::optional<std::string> dissolved = std::nullopt) {
    workflow::Organisation o;
    o.id = std::move(id);
    o.code = std::move(code);
    o.name = std::move(name);
    o.abbreviation = std::move(abbreviation);
    o.tierCode = std::move(tier);
    o.parentId = std::move(parent);
    o.dissolvedOn = std::move(dissolved);
    return o;
  };
  d.organisations = {
      org("vpcp", "000.00.00.G01", "Văn phòng Chính phủ", "VPCP", "central", std::nullopt),
      org("ubnd-tinh", "000.00.00.H55", "Ủy ban nhân dân tỉnh Thái Nguyên", "UBND", "province",
          std::nullopt),
      org("vp-ubnd-tinh", "000.00.01.H55", "Văn phòng Ủy ban nhân dân tỉnh Thái Nguyên", "VP",
          "province", std::string("ubnd-tinh")),
      org("so-tai-chinh", "000.00.02.H55", "Sở Tài chính tỉnh Thái Nguyên", "STC", "province",
          std::string("ubnd-tinh")),
      org("so-noi-vu", "000.00.03.H55", "Sở Nội vụ tỉnh Thái Nguyên", "SNV", "province",
          std::string("ubnd-tinh")),
      // Since 07/2025 communes attach directly under the province.
      org("ubnd-phuong-pdp", "000.00.21.H55", "Ủy ban nhân dân phường Phan Đình Phùng", "UBND",
          "commune", std::string("ubnd-tinh")),
      org("ubnd-xa-dai-tu", "000.00.22.H55", "Ủy ban nhân dân xã Đại Từ", "UBND", "commune",
          std::string("ubnd-tinh")),
      // A former district, kept for the documents archived before the reform.
      org("ubnd-huyen-dai-tu", "000.00.10.H55", "Ủy ban nhân dân huyện Đại Từ", "UBND", "district",
          std::string("ubnd-tinh"), std::string("2025-07-01")),
  };

  d.units = {
      {"ubnd-tinh-th", "ubnd-tinh", "Phòng Tổng hợp", "TH"},
      {"ubnd-tinh-kt", "ubnd-tinh", "Phòng Kinh tế", "KT"},
      {"ubnd-tinh-vp", "ubnd-tinh", "Văn phòng", "VP"},
      {"ubnd-tinh-ld", "ubnd-tinh", "Lãnh đạo Ủy ban", "LĐ"},
      {"ubnd-tinh-vt", "ubnd-tinh", "Bộ phận Văn thư", "VT"},
      {"pdp-vp", "ubnd-phuong-pdp", "Văn phòng HĐND và UBND", "VP"},
      {"dt-vp", "ubnd-xa-dai-tu", "Văn phòng HĐND và UBND", "VP"},
      {"stc-vp", "so-tai-chinh", "Văn phòng Sở", "VP"},
      {"vpcp-vt", "vpcp", "Phòng Hành chính", "HC"},
  };

  d.users = {
      {"admin", "Quản trị hệ thống", "Quản trị viên", "ubnd-tinh", "", {Role::Administrator}},
      {"chuyenvien",
       "Nguyễn Thị Lan",
       "Chuyên viên",
       "ubnd-tinh",
       "ubnd-tinh-th",
       {Role::Specialist}},
      {"truongphong",
       "Trần Văn Bình",
       "Trưởng phòng Tổng hợp",
       "ubnd-tinh",
       "ubnd-tinh-th",
       {Role::DepartmentHead},
       true,
       true},
      {"chanhvanphong",
       "Lê Thị Hương",
       "Chánh Văn phòng",
       "ubnd-tinh",
       "ubnd-tinh-vp",
       {Role::OfficeChief},
       true,
       false},
      {"lanhdao",
       "Phạm Quốc Hùng",
       "Chủ tịch",
       "ubnd-tinh",
       "ubnd-tinh-ld",
       {Role::Leader},
       true,
       false},
      {"phochutich",
       "Đỗ Minh Tuấn",
       "Phó Chủ tịch",
       "ubnd-tinh",
       "ubnd-tinh-ld",
       {Role::DeputyLeader},
       true,
       true},
      {"vanthu", "Hoàng Thị Mai", "Văn thư", "ubnd-tinh", "ubnd-tinh-vt", {Role::Clerk}},
      {"chutich.pdp",
       "Bùi Văn Nam",
       "Chủ tịch",
       "ubnd-phuong-pdp",
       "pdp-vp",
       {Role::Leader},
       true,
       true},
      {"vanthu.pdp", "Vũ Thị Hà", "Văn thư", "ubnd-phuong-pdp", "pdp-vp", {Role::Clerk}},
      {"vanthu.daitu", "Đặng Thị Thu", "Văn thư", "ubnd-xa-dai-tu", "dt-vp", {Role::Clerk}},
      // The commune's own handling chain for what it receives: the chairman assigns, the
      // office's chief passes it to a civil servant, who completes it.
      {"quantri.daitu",
       "Hà Văn Thành",
       "Quản trị hệ thống",
       "ubnd-xa-dai-tu",
       "",
       {Role::Administrator}},
      {"chutich.daitu", "Ngô Văn Khải", "Chủ tịch", "ubnd-xa-dai-tu", "dt-vp", {Role::Leader}},
      {"chanhvp.daitu",
       "Trịnh Thị Loan",
       "Chánh Văn phòng",
       "ubnd-xa-dai-tu",
       "dt-vp",
       {Role::DepartmentHead}},
      {"congchuc.daitu",
       "Lò Văn Sơn",
       "Công chức Văn phòng - Thống kê",
       "ubnd-xa-dai-tu",
       "dt-vp",
       {Role::Specialist}},
      {"vanthu.stc", "Phan Thị Ngọc", "Văn thư", "so-tai-chinh", "stc-vp", {Role::Clerk}},
      {"vanthu.vpcp", "Lý Thị Hồng", "Văn thư", "vpcp", "vpcp-vt", {Role::Clerk}},
  };
  return d;
}

}  // namespace

std::vector<workflow::RoleGrant> demoRoleGrants(const DemoUser& user, const std::string& userId) {
  std::vector<workflow::RoleGrant> grants;
  for (auto role : user.roles) {
    std::optional<std::string> unit;
    if (role == Role::DepartmentHead && !user.unitId.empty()) unit = user.unitId;
    grants.push_back({userId, role, user.organisationId, unit});
  }
  return grants;
}

const DemoDirectory& demoDirectory() {
  static const DemoDirectory directory = makeDirectory();
  return directory;
}

}  // namespace vanthu::demo
