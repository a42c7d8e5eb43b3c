/// @file
/// @brief The packed, cache-blocked GEMM: \f$ C \leftarrow \alpha\, \mathrm{op}(A)\,
/// \mathrm{op}(B) + \beta C \f$ (row-major, op(X) = X or Xᵀ), written once over a
/// *micro-kernel* that multiplies one small block of C in registers.
///
/// docs/performance.md draws the picture; in words, the five loops around the micro-kernel are
/// \code
///   for jc in [0, N) step NC:            // a block of columns of C, op(B)[:, jc:jc+NC]
///     for pc in [0, K) step KC:          // a slice of the inner dimension
///       pack op(B)[pc:pc+KC, jc:jc+NC]  -> packed_b   (KC x NC, ~ L3 cache)
///       for ic in [0, M) step MC:        // a block of rows of C
///         pack op(A)[ic:ic+MC, pc:pc+KC] -> packed_a  (MC x KC, ~ L2 cache)
///         for jr in [0, NC) step NR:     // one micro-panel of packed_b (KC x NR, ~ L1 cache)
///           for ir in [0, MC) step MR:   // one micro-panel of packed_a (MR x KC)
///             micro-kernel: C[ic+ir : +MR, jc+jr : +NR] (+)= alpha * panel_a * panel_b
/// \endcode
///
/// **Packing** copies a block of op(A) (or op(B)) into the exact order in which the micro-kernel
/// reads it: packed_a is a row of *micro-panels* of MR rows each, stored column by column
/// (`panel[p * MR + r]` = op(A)[row r, depth p]); packed_b is micro-panels of NR columns stored
/// row by row (`panel[p * NR + c]`). The micro-kernel then walks both with unit stride, and
/// because op(X)[i, p] is read through the transposition flag *while packing*, one micro-kernel
/// serves A·B, A·Bᵀ, Aᵀ·B and Aᵀ·Bᵀ without ever materialising a transpose. Rows or columns
/// missing at the bottom or right edge are packed as zeros, so the micro-kernel always computes
/// a full MR×NR block and only its write-back looks at the edge.
///
/// **Reading A in place.** When N is small (the transformer's d_model = 64 columns, say), each
/// packed value of A feeds only a few micro-kernel calls and the copy costs a large share of
/// the time; then the micro-kernel reads op(A) straight from A (read_a_in_place), and only B is
/// packed.
///
/// **Determinism.** Every element of C is computed by the same sequence of operations however M
/// is cut into pieces: the K slices (KC) do not depend on M, each accumulator lane sums its own
/// products in order p = 0, 1, ..., and the edge blocks use the same write-back arithmetic as
/// full blocks. matmul relies on this to give bit-identical results for any thread count
/// (autograd/ops/matmul.cpp splits the rows of C between threads).
///
/// This header is included both by the scalar table (with ScalarMicroKernel below) and by every
/// instruction-set file (with the xsimd micro-kernel of gemm_simd.h); like scalar_kernels.h it
/// keeps everything in an unnamed namespace and uses no standard-library templates (see "ODR
/// hazard" in kernels_avx512.cpp).
#pragma once

#include <cstddef>

#include "autograd/kernels/gemm_workspace.h"
#include "autograd/kernels/scalar_kernels.h"

namespace knob::kernels::packed {
namespace {  // NOLINT(cert-dcl59-cpp,google-build-namespaces): private copy per TU

/// @brief The smaller of two sizes (std::min is a template we must not use here).
constexpr std::size_t min_size(std::size_t a, std::size_t b) { return a < b ? a : b; }
/// @brief The larger of two sizes.
constexpr std::size_t max_size(std::size_t a, std::size_t b) { return a > b ? a : b; }
/// @brief `n` rounded up to a multiple of `step`.
constexpr std::size_t round_up(std::size_t n, std::size_t step) {
  return (n + step - 1) / step * step;
}

/// @brief The cache-block sizes for element type `T` and an MR×NR micro-kernel.
///
/// Chosen from the cache sizes of a typical x86-64 core (32 KiB L1 data, at least 512 KiB L2):
///  - KC: one micro-panel of packed_b (KC × NR values) takes half of L1, so it stays there while
///    the micro-panels of packed_a stream past it;
///  - MC: the block packed_a (MC × KC values) takes about 192 KiB of L2;
///  - NC: the block packed_b (KC × NC) is a few MiB, in the shared L3.
template <class T, std::size_t MR, std::size_t NR>
struct Blocking {
  /// Depth of a slice of K: a KC × NR micro-panel of op(B) fills 16 KiB, clamped to [128, 512].
  static constexpr std::size_t kc = min_size(512, max_size(128, 16384 / (NR * sizeof(T)) / 8 * 8));
  /// Rows of op(A) per packed block: MC × KC values in about 192 KiB, a multiple of MR.
  static constexpr std::size_t mc = max_size(MR, 196608 / (kc * sizeof(T)) / MR * MR);
  /// Columns of op(B) per packed block, a multiple of NR.
  static constexpr std::size_t nc = round_up(4096, NR);
};

// ============================================================================================
// Packing
// ============================================================================================

/// @brief Copy `panels` whole micro-panels of width `Width` when the source is laid out along
/// the panels' rows: panel q, step p gets `src[p * ld + q * Width + c]`, c < Width.
///
/// The loop runs along a source row (p outer, q inner), so the source is read front to back,
/// row after row; going down one panel first would jump `ld` values at every step, and with a
/// long row (ld = 1024 floats is 4 KiB, a new page per step) the hardware prefetcher cannot
/// follow.
template <std::size_t Width, class T>
void pack_along_rows(const T* src, std::size_t ld, std::size_t depth, std::size_t panels,
                     T* packed) {
  for (std::size_t p = 0; p < depth; ++p) {
    const T* row = src + p * ld;
    T* out = packed + p * Width;
    for (std::size_t q = 0; q < panels; ++q) {
#pragma GCC unroll 32
      for (std::size_t c = 0; c < Width; ++c) out[q * depth * Width + c] = row[q * Width + c];
    }
  }
}

/// @brief Copy `panels` whole micro-panels of width `Width` when each of a panel's `Width` lines
/// is contiguous in p: panel q, step p gets `src[(q * Width + c) * ld + p]`, c < Width. Reads
/// `Width` sequential streams at a time.
template <std::size_t Width, class T>
void pack_across_rows(const T* src, std::size_t ld, std::size_t depth, std::size_t panels,
                      T* packed) {
  for (std::size_t q = 0; q < panels; ++q) {
    const T* first = src + q * Width * ld;
    T* panel = packed + q * depth * Width;  // [depth, Width]
    for (std::size_t p = 0; p < depth; ++p) {
#pragma GCC unroll 32
      for (std::size_t c = 0; c < Width; ++c) panel[p * Width + c] = first[c * ld + p];
    }
  }
}

/// @brief Pack op(A)[i0 : i0+rows, p0 : p0+depth] into micro-panels of MR rows:
/// `packed[(q * depth + p) * MR + r]` = op(A)[i0 + q·MR + r, p0 + p], zero for rows past `rows`.
///
/// op(A)[i, p] = A[i·lda + p], or A[p·lda + i] when trans_a (A is stored [K, M]).
template <std::size_t MR, class T>
void pack_a(bool trans_a, const T* A, std::size_t lda, std::size_t i0, std::size_t rows,
            std::size_t p0, std::size_t depth, T* packed) {
  const std::size_t full = rows / MR;  // whole micro-panels
  if (trans_a) {  // A is [K, M]: op(A)[i .. i+MR-1, p] is a contiguous piece of row p of A
    pack_along_rows<MR>(A + p0 * lda + i0, lda, depth, full, packed);
  } else {  // MR rows of A, each contiguous in p
    pack_across_rows<MR>(A + i0 * lda + p0, lda, depth, full, packed);
  }
  const std::size_t q0 = full * MR;  // the last, partial micro-panel: pad with zero rows
  if (q0 == rows) return;
  T* panel = packed + q0 * depth;  // [depth, MR]
  for (std::size_t p = 0; p < depth; ++p) {
    for (std::size_t r = 0; r < MR; ++r) {
      const std::size_t i = i0 + q0 + r;
      T value = T(0);
      if (q0 + r < rows) value = trans_a ? A[(p0 + p) * lda + i] : A[i * lda + p0 + p];
      panel[p * MR + r] = value;
    }
  }
}

/// @brief Pack op(B)[p0 : p0+depth, j0 : j0+cols] into micro-panels of NR columns:
/// `packed[(q * depth + p) * NR + c]` = op(B)[p0 + p, j0 + q·NR + c], zero for columns past
/// `cols`.
///
/// op(B)[p, j] = B[p·ldb + j], or B[j·ldb + p] when trans_b (B is stored [N, K]).
template <std::size_t NR, class T>
void pack_b(bool trans_b, const T* B, std::size_t ldb, std::size_t p0, std::size_t depth,
            std::size_t j0, std::size_t cols, T* packed) {
  const std::size_t full = cols / NR;  // whole micro-panels
  if (trans_b) {  // B is [N, K]: column j of op(B) is row j of B, contiguous in p
    pack_across_rows<NR>(B + j0 * ldb + p0, ldb, depth, full, packed);
  } else {  // NR contiguous values of each row p of B
    pack_along_rows<NR>(B + p0 * ldb + j0, ldb, depth, full, packed);
  }
  const std::size_t q0 = full * NR;  // the last, partial micro-panel: pad with zero columns
  if (q0 == cols) return;
  T* panel = packed + q0 * depth;  // [depth, NR]
  for (std::size_t p = 0; p < depth; ++p) {
    for (std::size_t c = 0; c < NR; ++c) {
      const std::size_t j = j0 + q0 + c;
      T value = T(0);
      if (q0 + c < cols) value = trans_b ? B[j * ldb + p0 + p] : B[(p0 + p) * ldb + j];
      panel[p * NR + c] = value;
    }
  }
}

// ============================================================================================
// The driver: five loops around Kernel::run
// ============================================================================================

/// @brief Where a micro-kernel call finds its MR rows of op(A):
/// op(A)[i0 + r, p0 + p] = `a[r * row_step + p * depth_step]`.
///
/// For a packed micro-panel (row_step, depth_step) = (1, MR). When op(A) is read in place (see
/// read_a_in_place) it is (lda, 1) for A as stored, (1, lda) for A stored transposed.
template <class T>
struct PanelA {
  const T* a;              ///< op(A)[i0, p0]
  std::size_t row_step;    ///< distance between two rows of op(A)
  std::size_t depth_step;  ///< distance between two steps p
};

/// @brief Should the micro-kernel read op(A) where it is instead of from a packed copy?
///
/// Packing costs about one load and one store per value of A, and each packed value then feeds
/// N multiply-adds (N / NR micro-kernel calls). When N is small that copy is a large share of
/// the work (a quarter of it for N = 64 with AVX2), so for N <= 16 NR we read op(A) in place,
/// if its rows are contiguous in p (A stored as is), or if it is stored transposed with a short
/// row (lda at most 1 KiB; a longer one would touch a new page at every p). Both ways give the
/// same numbers: packing only moves values.
template <class T, std::size_t NR>
constexpr bool read_a_in_place(bool trans_a, std::size_t N, std::size_t lda) {
  return N <= 16 * NR && (!trans_a || lda * sizeof(T) <= 1024);
}

/// @brief \f$ C \leftarrow \alpha\, \mathrm{op}(A)\, \mathrm{op}(B) + \beta C \f$ on the packed,
/// blocked algorithm of this file, with `Kernel` as the micro-kernel.
///
/// `Kernel` provides `kRows` (MR), `kCols` (NR) and
/// `run(depth, panel_a, panel_b, alpha, beta, c, ldc, rows, cols)`, which computes
/// \f$ C_{blk} \leftarrow \alpha \sum_{p < depth} \mathrm{op}(A)_{:,p}\, b_{p,:} + \beta C_{blk}
/// \f$ for the `rows` × `cols` block of C at `c` (rows ≤ MR, cols ≤ NR; beta = 0: C not read),
/// reading op(A) through a PanelA and op(B) from a packed micro-panel [depth, NR].
/// Arguments as for scalar::gemm: op(A) is [M,K], op(B) is [K,N], C is [M,N], row strides
/// lda, ldb, ldc.
template <class Kernel, class T>
void gemm(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
          const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
  constexpr std::size_t MR = Kernel::kRows;
  constexpr std::size_t NR = Kernel::kCols;
  using Sizes = Blocking<T, MR, NR>;
  if (M == 0 || N == 0) return;
  if (K == 0) {  // no products: C = beta C, exactly as the reference writes it
    scalar::gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  const bool in_place = read_a_in_place<T, NR>(trans_a, N, lda);
  // op(A)[i, p] = A[i * a_row_step + p * a_depth_step]
  const std::size_t a_row_step = trans_a ? 1 : lda;
  const std::size_t a_depth_step = trans_a ? lda : 1;

  // One workspace holds both packed blocks, each sized for this problem (small products get
  // small buffers), packed_b first; 64-byte alignment for both.
  const std::size_t kc_max = min_size(Sizes::kc, K);
  const std::size_t b_values = round_up(kc_max * min_size(Sizes::nc, round_up(N, NR)), 64);
  const std::size_t a_values = in_place ? 0 : kc_max * min_size(Sizes::mc, round_up(M, MR));
  T* packed_b = static_cast<T*>(detail::gemm_workspace((b_values + a_values) * sizeof(T)));
  T* packed_a = packed_b + b_values;

  for (std::size_t jc = 0; jc < N; jc += Sizes::nc) {
    const std::size_t nc = min_size(Sizes::nc, N - jc);
    for (std::size_t pc = 0; pc < K; pc += Sizes::kc) {
      const std::size_t kc = min_size(Sizes::kc, K - pc);
      pack_b<NR>(trans_b, B, ldb, pc, kc, jc, nc, packed_b);
      // The first slice applies beta; the later ones add onto what the earlier ones stored.
      const T slice_beta = pc == 0 ? beta : T(1);
      for (std::size_t ic = 0; ic < M; ic += Sizes::mc) {
        const std::size_t mc = min_size(Sizes::mc, M - ic);
        if (!in_place) pack_a<MR>(trans_a, A, lda, ic, mc, pc, kc, packed_a);
        for (std::size_t jr = 0; jr < nc; jr += NR) {
          const std::size_t cols = min_size(NR, nc - jr);
          const T* panel_b = packed_b + jr * kc;  // [kc, NR]
          for (std::size_t ir = 0; ir < mc; ir += MR) {
            const std::size_t rows = min_size(MR, mc - ir);
            const PanelA<T> panel_a =
                in_place ? PanelA<T>{A + (ic + ir) * a_row_step + pc * a_depth_step, a_row_step,
                                     a_depth_step}
                         : PanelA<T>{packed_a + ir * kc, 1, MR};  // [kc, MR]
            Kernel::run(kc, panel_a, panel_b, alpha, slice_beta, C + (ic + ir) * ldc + jc + jr, ldc,
                        rows, cols);
          }
        }
      }
    }
  }
}

// ============================================================================================
// The plain C++ micro-kernel (the `Isa::scalar` table; the teaching version of gemm_simd.h)
// ============================================================================================

/// @brief A 4×4 micro-kernel on plain `T` values: 16 accumulators, each the dot product of a
/// row of op(A) with a column of the B micro-panel.
template <class T>
struct ScalarMicroKernel {
  static constexpr std::size_t kRows = 4;  ///< MR
  static constexpr std::size_t kCols = 4;  ///< NR

  /// @brief \f$ C_{blk} \leftarrow \alpha \sum_p \mathrm{op}(A)_{:,p}\, b_{p,:} + \beta C_{blk}
  /// \f$ for the rows × cols block at `c` (see packed::gemm for the arguments).
  static void run(std::size_t depth, const PanelA<T>& panel_a, const T* b, T alpha, T beta, T* c,
                  std::size_t ldc, std::size_t rows, std::size_t cols) {
    const T* a_row[kRows];  // row r of op(A); rows past the edge repeat row 0 (never stored)
    for (std::size_t r = 0; r < kRows; ++r)
      a_row[r] = panel_a.a + (r < rows ? r : 0) * panel_a.row_step;
    T acc[kRows][kCols] = {};  // the block of C being summed
    std::size_t offset = 0;    // p * depth_step
    for (std::size_t p = 0; p < depth; ++p) {
      // acc[r][j] += op(A)[r, p] * op(B)[p, j]; b is [depth, NR]
      for (std::size_t r = 0; r < kRows; ++r) {
        for (std::size_t j = 0; j < kCols; ++j) acc[r][j] += a_row[r][offset] * b[p * kCols + j];
      }
      offset += panel_a.depth_step;
    }
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t j = 0; j < cols; ++j) {
        T& c_rj = c[r * ldc + j];
        c_rj = (beta == T(0)) ? alpha * acc[r][j] : alpha * acc[r][j] + beta * c_rj;
      }
    }
  }
};

/// @brief The packed GEMM with the plain C++ micro-kernel (for the `Isa::scalar` table).
template <class T>
void gemm_scalar(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
                 const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C,
                 std::size_t ldc) {
  gemm<ScalarMicroKernel<T>>(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace
}  // namespace knob::kernels::packed
