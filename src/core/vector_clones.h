// Loops marked RNNSCOPE_VECTOR_CLONES are compiled for AVX-512, AVX2 and baseline x86-64, and
// the loader picks the widest the CPU has (GCC function multi-versioning): one binary, full
// vectors. Private to the library's sources.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define RNNSCOPE_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RNNSCOPE_VECTOR_CLONES
#endif
