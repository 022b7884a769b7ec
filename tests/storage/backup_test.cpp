// Tests land with the implementation.
#include <catch2/catch.hpp>
