# AddressSanitizer + UndefinedBehaviorSanitizer for our targets (VANTHU_SANITIZE=ON).
# UBSan is made fatal so that CI fails on the first report instead of printing and going on.
set(VANTHU_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
                           -fno-omit-frame-pointer)

function(vanthu_target_sanitize target)
  if(VANTHU_SANITIZE)
    target_compile_options(${target} PRIVATE ${VANTHU_SANITIZER_FLAGS})
    target_link_options(${target} PRIVATE ${VANTHU_SANITIZER_FLAGS})
  endif()
endfunction()
