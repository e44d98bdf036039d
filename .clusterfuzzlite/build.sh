#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: $CC, $CXX, $CFLAGS, $CXXFLAGS (sanitizer and coverage
# flags) and $LIB_FUZZING_ENGINE come from the environment; CMake adds none of its own when
# LIB_FUZZING_ENGINE is set (CMakeLists.txt). A fuzz binary holds a protocol's decoder, or its
# roles, or the framework's inputs (targets/README.md): each binary is copied to $OUT once per
# target it holds, with the target's dictionary, .options and seed corpus.
cmake -S "$SRC/mtcfuzz" -B build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DMTC_BUILD_TESTS=OFF -DMTC_BUILD_BENCH=OFF \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS"
cmake --build build --target mtc_fuzz_all
corpus="$SRC/mtcfuzz/corpus"
for bin in build/targets/mtc_fuzz_*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  for target in $(MTC_FUZZ_LIST=1 "$bin" | awk '$1 == "mtc-fuzz-target" { print $2 }'); do
    cp "$bin" "$OUT/$target"
    [ -f "$corpus/dict/$target.dict" ] && cp "$corpus/dict/$target.dict" "$OUT/"
    [ -f "$corpus/options/$target.options" ] && cp "$corpus/options/$target.options" "$OUT/"
    if [ -d "$corpus/$target" ]; then
      (cd "$corpus/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
    fi
  done
done
