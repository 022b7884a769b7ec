# Third-party libraries, all from Debian 12 packages (script/bootstrap installs them).
set(VANTHU_POCO_COMPONENTS Foundation Util Net NetSSL Crypto JSON JWT Data DataSQLite)
if(VANTHU_WITH_POSTGRESQL)
  list(APPEND VANTHU_POCO_COMPONENTS DataPostgreSQL)
  # Debian's PocoDataPostgreSQL config links `PostgreSQL::client` but defines no such target.
  find_package(PostgreSQL REQUIRED)
  if(NOT TARGET PostgreSQL::client)
    add_library(PostgreSQL::client INTERFACE IMPORTED)
    target_link_libraries(PostgreSQL::client INTERFACE PostgreSQL::PostgreSQL)
  endif()
endif()
find_package(Poco 1.11 REQUIRED COMPONENTS ${VANTHU_POCO_COMPONENTS})
find_package(OpenSSL 3.0 REQUIRED)
find_package(LibXml2 REQUIRED)
find_package(PNG REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc)
find_package(Threads REQUIRED)

# PoDoFo 0.9.8 ships no CMake config, only a pkg-config file (with an empty Version).
find_package(PkgConfig REQUIRED)
pkg_check_modules(PODOFO REQUIRED IMPORTED_TARGET libpodofo)
add_library(vanthu::podofo ALIAS PkgConfig::PODOFO)

if(VANTHU_BUILD_TESTS)
  find_package(Catch2 2.13 REQUIRED)
  include(Catch)
endif()

# The font the sample documents and signature appearances embed: Times-metric with full
# Vietnamese coverage (fonts-liberation 1.x lacks U+1EA0-1EF9).
set(VANTHU_FONT_DIR "/usr/share/fonts/truetype/liberation2" CACHE PATH
    "Directory of Liberation Serif 2.x (fonts-liberation2)")
