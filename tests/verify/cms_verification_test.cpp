// Tests land with the implementation.
#include <catch2/catch_test_macros.hpp>
