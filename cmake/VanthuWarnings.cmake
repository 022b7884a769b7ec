# vanthu_target_defaults(target): warnings and the sanitizer flags for one of our own targets.
# Third-party headers are included as SYSTEM so their warnings do not drown ours.
function(vanthu_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual)
  if(VANTHU_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  vanthu_target_sanitize(${target})
endfunction()
