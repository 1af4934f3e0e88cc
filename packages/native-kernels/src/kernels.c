/*
 * Native CPU kernels for the wasm backend of TensorFlow.js, working on a caller-owned ArrayBuffer (the wasm heap,
 * WebAssembly.Memory.buffer): operands and results live there already, so nothing is copied in or out. Offsets are in
 * bytes from the start of the buffer; every tensor is row-major float32, as tfjs stores it. Products go through the
 * system's CBLAS sgemm (multi-threaded in OpenBLAS); element-wise passes are fused per op and split over threads with
 * OpenMP when the addon was built with it.
 *
 * Every function takes (buffer, ...numbers) and checks that each operand it touches lies inside the buffer.
 */
#include <math.h>
#include <stdio.h>
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* The standard CBLAS entry point, declared here so any CBLAS (OpenBLAS, BLIS, MKL, reference) links. */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
extern void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc);

/*
 * Element-wise loops of at least par_min floats are split over the OpenMP threads (TRM_NATIVE_PAR_MIN overrides it).
 * Below 2^20 floats a pass takes well under a millisecond on one core, while a parallel region has to wake a second
 * thread: on a machine whose cores are busy with other jobs that thread may wait a whole time slice, which stalls
 * the pass for milliseconds.
 */
static int64_t par_min = 1048576;
#define PAR_MIN par_min

/*
 * OpenBLAS splits every product above a small size over all its threads. On the small products of small models
 * (hidden 32-128) the hand-off costs more than it saves, and on a loaded machine a thread that waits for a busy core
 * stalls the whole product: products below gemm_mt_min multiply-adds run on one thread. The OpenBLAS entry points are
 * weak, so any other CBLAS links too (and keeps its own threading).
 */
extern void openblas_set_num_threads(int n) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));
static double gemm_mt_min = 16777216.0; /* 2^24: e.g. a [2048 x 128] x [128 x 64] product */
static int blas_threads_max = 1, blas_threads_now = 1;

static void blas_threads_for(double work) {
  if (!openblas_set_num_threads || blas_threads_max <= 1) return;
#ifdef _OPENMP
  if (omp_in_parallel()) return; /* products inside a parallel region: the caller set one thread before it */
#endif
  const int want = work >= gemm_mt_min ? blas_threads_max : 1;
  if (want != blas_threads_now) {
    openblas_set_num_threads(want);
    blas_threads_now = want;
  }
}

typedef struct {
  napi_env env;
  uint8_t *base;
  size_t byteLength;
  const char *name;
  int failed;
} Ctx;

static void fail(Ctx *c, const char *what) {
  if (c->failed) return;
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", c->name, what);
  napi_throw_range_error(c->env, NULL, msg);
  c->failed = 1;
}

/* A float pointer at a byte offset, checked to hold `count` floats inside the buffer. */
static float *at(Ctx *c, int64_t offset, int64_t count) {
  if (c->failed) return NULL;
  if (offset < 0 || count < 0 || (offset & 3) || offset + 4 * count > (int64_t)c->byteLength) {
    fail(c, "operand outside the buffer or misaligned");
    return NULL;
  }
  return (float *)(c->base + offset);
}

/* Reads (buffer, n numbers) into ctx and v; returns 0 (with a pending exception) on a bad call. */
static int args(napi_env env, napi_callback_info info, const char *name, size_t n, Ctx *c, double *v) {
  size_t argc = 24;
  napi_value argv[24];
  c->env = env;
  c->name = name;
  c->failed = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != n + 1) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: expected %zu arguments", name, n + 1);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  bool isArrayBuffer = false;
  void *data = NULL;
  if (napi_is_arraybuffer(env, argv[0], &isArrayBuffer) != napi_ok || !isArrayBuffer ||
      napi_get_arraybuffer_info(env, argv[0], &data, &c->byteLength) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: argument 0 must be an ArrayBuffer (the wasm heap)", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  c->base = (uint8_t *)data;
  for (size_t i = 0; i < n; i++) {
    if (napi_get_value_double(env, argv[i + 1], &v[i]) != napi_ok) {
      char msg[128];
      snprintf(msg, sizeof msg, "%s: argument %zu must be a number", name, i + 1);
      napi_throw_type_error(env, NULL, msg);
      return 0;
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (!(v[i] == v[i])) {
      fail(c, "NaN argument");
      return 0;
    }
  }
  return 1;
}

/*
 * Scratch memory: per thread, one grow-only buffer per slot, kept between calls (a fresh malloc of a few MB would be
 * a fresh mmap, page faults and zeroing on every call).
 */
#define SCRATCH_SLOTS 8
static __thread float *scratch_buf[SCRATCH_SLOTS];
static __thread int64_t scratch_cap[SCRATCH_SLOTS];

static float *scratch(Ctx *c, int slot, int64_t floats) {
  if (floats < 1) floats = 1;
  if (scratch_cap[slot] < floats) {
    free(scratch_buf[slot]);
    scratch_buf[slot] = malloc((size_t)floats * sizeof(float));
    scratch_cap[slot] = scratch_buf[slot] ? floats : 0;
    if (!scratch_buf[slot]) {
      fail(c, "out of memory");
      return NULL;
    }
  }
  return scratch_buf[slot];
}

/*
 * exp(x) in float32 without a libm call, so the element-wise loops vectorise: x = n ln2 + r with |r| <= ln2/2
 * (Cody-Waite split of ln2), e^r by a degree-6 polynomial (Cephes' expf coefficients), 2^n from the exponent bits.
 * Within 2 ulp of expf; inputs are clamped to [-87.3, 88.3] (results 1.2e-38 .. 2.0e38), which no caller here
 * distinguishes from 0 or infinity.
 */
static inline float fexp(float x) {
  x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
  /* round to nearest by adding and removing 1.5 * 2^23 (floorf does not vectorise with every compiler) */
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  union {
    int32_t i;
    float f;
  } scale;
  scale.i = ((int32_t)n + 127) << 23;
  return p * scale.f;
}

static inline float sigmoidf_(float x) { return 1.0f / (1.0f + fexp(-x)); }

/*
 * atan2(y, x) for x >= 0 (AdamATan2's denominator is a square root) without a libm call, so the update vectorises:
 * the ratio of the smaller to the larger magnitude a in [0, 1]; above tan(pi/8), atan(a) = pi/4 + atan((a-1)/(a+1));
 * atan of the reduced argument by Cephes' atanf polynomial; then pi/2 - that when |y| > x, and y's sign. Within a few
 * ulp of atan2f; 0 for (0, 0) and NaN for NaN.
 */
static inline float fatan2_xpos(float y, float x) {
  const float ay = fabsf(y), hi = ay > x ? ay : x, lo = ay > x ? x : ay;
  const float a = hi > 0.0f ? lo / hi : 0.0f;
  const int big = a > 0.4142135623730950f;
  const float t = big ? (a - 1.0f) / (a + 1.0f) : a, z = t * t;
  const float p = (((8.05374449538e-2f * z - 1.38776856032e-1f) * z + 1.99777106478e-1f) * z - 3.33329491539e-1f) * z * t + t;
  float r = big ? 0.7853981633974483f + p : p;
  r = ay > x ? 1.5707963267948966f - r : r;
  return y == y && x == x ? copysignf(r, y) : y + x;
}

/* The SwiGLU element-wise passes on [lo, hi), as plain functions so they vectorise (also inside parallel regions). */
static void silu_mul(const float *restrict g, const float *restrict u, float *restrict h, int64_t lo, int64_t hi) {
  for (int64_t i = lo; i < hi; i++) h[i] = g[i] * sigmoidf_(g[i]) * u[i];
}

/* a = dU = dh silu(g); b = dG = dh u sig (1 + g (1 - sig)), with dh read from b. */
static void silu_mul_grad(const float *restrict g, const float *restrict u, float *restrict a, float *restrict b, int64_t lo,
                          int64_t hi) {
  for (int64_t i = lo; i < hi; i++) {
    const float gi = g[i], sig = sigmoidf_(gi), dh = b[i];
    a[i] = dh * gi * sig;
    b[i] = dh * u[i] * sig * (1.0f + gi * (1.0f - sig));
  }
}

/* Runs body(lo, hi) over [0, n) split evenly across the OpenMP threads when n >= PAR_MIN, else on this thread. */
#ifdef _OPENMP
#define PAR_RANGE(n, body)                                                               \
  do {                                                                                   \
    const int64_t n_ = (n);                                                              \
    _Pragma("omp parallel if (n_ >= PAR_MIN)") {                                         \
      const int64_t nt_ = omp_get_num_threads(), t_ = omp_get_thread_num();              \
      const int64_t lo = n_ * t_ / nt_, hi = n_ * (t_ + 1) / nt_;                        \
      body;                                                                              \
    }                                                                                    \
  } while (0)
#else
#define PAR_RANGE(n, body)  \
  do {                      \
    const int64_t lo = 0, hi = (n); \
    body;                   \
  } while (0)
#endif

/* C = alpha op(A) op(B) + beta C with explicit leading dimensions; k == 0 scales C by beta. */
static void gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                 const float *b, int64_t ldb, float beta, float *cc, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) cc[i * ldc + j] = beta == 0.0f ? 0.0f : beta * cc[i * ldc + j];
    return;
  }
  blas_threads_for((double)m * (double)n * (double)k);
  cblas_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, (int)m, (int)n, (int)k, alpha, a, (int)lda, b,
              (int)ldb, beta, cc, (int)ldc);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* sgemmBatched(buf, batch, m, n, k, transA, transB, aOff, aStride, bOff, bStride, cOff, cStride)                   */
/*   C[i] (m x n) = op(A[i]) op(B[i]); strides between batch entries in floats (0 broadcasts).                     */
static napi_value sgemm_batched(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[12];
  if (!args(env, info, "sgemmBatched", 12, &c, v)) return NULL;
  const int64_t batch = (int64_t)v[0], m = (int64_t)v[1], n = (int64_t)v[2], k = (int64_t)v[3];
  const int ta = v[4] != 0, tb = v[5] != 0;
  const int64_t aStride = (int64_t)v[7], bStride = (int64_t)v[9], cStride = (int64_t)v[11];
  if (batch < 0 || m < 0 || n < 0 || k < 0 || aStride < 0 || bStride < 0 || cStride < 0) {
    fail(&c, "negative size or stride");
    return NULL;
  }
  const int64_t last = batch > 0 ? batch - 1 : 0;
  const float *a = at(&c, (int64_t)v[6], last * aStride + m * k);
  const float *b = at(&c, (int64_t)v[8], last * bStride + k * n);
  float *out = at(&c, (int64_t)v[10], last * cStride + m * n);
  if (c.failed) return NULL;
  for (int64_t i = 0; i < batch; i++)
    gemm(ta, tb, m, n, k, 1.0f, a + i * aStride, ta ? m : k, b + i * bStride, tb ? k : n, 0.0f, out + i * cStride, n);
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* linearGrad(buf, m, k, n, x, w, dy, dx, dw): dx [m,k] = dy [m,n] . w [k,n]^T;  dw [k,n] = x [m,k]^T . dy.         */
static napi_value linear_grad(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[8];
  if (!args(env, info, "linearGrad", 8, &c, v)) return NULL;
  const int64_t m = (int64_t)v[0], k = (int64_t)v[1], n = (int64_t)v[2];
  const float *x = at(&c, (int64_t)v[3], m * k), *w = at(&c, (int64_t)v[4], k * n), *dy = at(&c, (int64_t)v[5], m * n);
  float *dx = at(&c, (int64_t)v[6], m * k), *dw = at(&c, (int64_t)v[7], k * n);
  if (c.failed) return NULL;
  gemm(0, 1, m, k, n, 1.0f, dy, n, w, n, 0.0f, dx, k);
  gemm(1, 0, k, n, m, 1.0f, x, k, dy, n, 0.0f, dw, n);
  return NULL;
}

static void rms_rows(int64_t rows, int64_t cols, float eps, const float *x, float *y, float *r) {
#pragma omp parallel for if (rows * cols >= PAR_MIN) schedule(static)
  for (int64_t i = 0; i < rows; i++) {
    const float *xi = x + i * cols;
    float *yi = y + i * cols;
    float s = 0.0f;
    for (int64_t j = 0; j < cols; j++) s += xi[j] * xi[j];
    const float ri = 1.0f / sqrtf(s / (float)cols + eps);
    r[i] = ri;
    for (int64_t j = 0; j < cols; j++) yi[j] = xi[j] * ri;
  }
}

static void rms_rows_grad(int64_t rows, int64_t cols, const float *y, const float *r, const float *dy, float *dx) {
#pragma omp parallel for if (rows * cols >= PAR_MIN) schedule(static)
  for (int64_t i = 0; i < rows; i++) {
    const float *yi = y + i * cols, *dyi = dy + i * cols;
    float *dxi = dx + i * cols;
    float s = 0.0f;
    for (int64_t j = 0; j < cols; j++) s += dyi[j] * yi[j];
    const float mean = s / (float)cols, ri = r[i];
    for (int64_t j = 0; j < cols; j++) dxi[j] = ri * (dyi[j] - yi[j] * mean);
  }
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* rmsNorm(buf, rows, cols, eps, x, y, r): r = 1/sqrt(mean(x^2) + eps) per row, y = x r.                              */
static napi_value rms_norm(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[6];
  if (!args(env, info, "rmsNorm", 6, &c, v)) return NULL;
  const int64_t rows = (int64_t)v[0], cols = (int64_t)v[1];
  const float eps = (float)v[2];
  const float *x = at(&c, (int64_t)v[3], rows * cols);
  float *y = at(&c, (int64_t)v[4], rows * cols), *r = at(&c, (int64_t)v[5], rows);
  if (c.failed) return NULL;
  rms_rows(rows, cols, eps, x, y, r);
  return NULL;
}

/* rmsNormGrad(buf, rows, cols, y, r, dy, dx): dx = r (dy - y mean(dy y)).                                             */
static napi_value rms_norm_grad(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[6];
  if (!args(env, info, "rmsNormGrad", 6, &c, v)) return NULL;
  const int64_t rows = (int64_t)v[0], cols = (int64_t)v[1];
  const float *y = at(&c, (int64_t)v[2], rows * cols), *r = at(&c, (int64_t)v[3], rows);
  const float *dy = at(&c, (int64_t)v[4], rows * cols);
  float *dx = at(&c, (int64_t)v[5], rows * cols);
  if (c.failed) return NULL;
  rms_rows_grad(rows, cols, y, r, dy, dx);
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* swiglu(buf, m, d, inner, dOut, x, wg, wu, wd, out, g, u)                                                          */
/*   g = x wg, u = x wu (kept for the gradient), out = (silu(g) u) wd; x [m,d], wg wu [d,inner], wd [inner,dOut].    */
/*   swiglu_fwd adds beta * out (beta 1 adds a residual already in out).                                              */
/*   wg and wu have leading dimension ldw (f for separate matrices, 2f for the halves of one [d, 2f] gate_up), g and  */
/*   u leading dimension ldg (f, or 2f for the halves of one [m, 2f] buffer). When both are halves of one matrix,     */
/*   gate and up are one product.                                                                                     */

/* silu_mul / silu_mul_grad on m rows of f, where g and u have the row stride ldg, h, a and b the row stride ldh. */
static void silu_mul_rows(const float *g, const float *u, int64_t ldg, float *h, int64_t ldh, int64_t m, int64_t f) {
  if (ldg == f && ldh == f) {
    PAR_RANGE(m * f, silu_mul(g, u, h, lo, hi));
    return;
  }
#pragma omp parallel for if (m * f >= PAR_MIN) schedule(static)
  for (int64_t i = 0; i < m; i++) silu_mul(g + i * ldg, u + i * ldg, h + i * ldh, 0, f);
}

static void silu_mul_grad_rows(const float *g, const float *u, int64_t ldg, float *a, float *b, int64_t ldh, int64_t m,
                               int64_t f) {
  if (ldg == f && ldh == f) {
    PAR_RANGE(m * f, silu_mul_grad(g, u, a, b, lo, hi));
    return;
  }
#pragma omp parallel for if (m * f >= PAR_MIN) schedule(static)
  for (int64_t i = 0; i < m; i++) silu_mul_grad(g + i * ldg, u + i * ldg, a + i * ldh, b + i * ldh, 0, f);
}

static int swiglu_fwd(Ctx *c, int64_t m, int64_t d, int64_t f, int64_t e, const float *x, const float *wg, const float *wu,
                      int64_t ldw, const float *wd, float *out, float beta, float *g, float *u, int64_t ldg) {
  float *h = scratch(c, 0, m * f);
  if (!h) return 0;
  if (wu == wg + f && ldw == 2 * f && u == g + f && ldg == 2 * f) {
    gemm(0, 0, m, 2 * f, d, 1.0f, x, d, wg, ldw, 0.0f, g, ldg);
  } else {
    gemm(0, 0, m, f, d, 1.0f, x, d, wg, ldw, 0.0f, g, ldg);
    gemm(0, 0, m, f, d, 1.0f, x, d, wu, ldw, 0.0f, u, ldg);
  }
  silu_mul_rows(g, u, ldg, h, f, m, f);
  gemm(0, 0, m, e, f, 1.0f, h, f, wd, e, beta, out, e);
  return 1;
}

/* The gradient of swiglu_fwd for the output gradient dy: dx = beta dx + dy d(out)/dx, and the weight gradients. */
/* wg, wu, dwg and dwu have leading dimension ldw; g and u ldg. The gradients of gate and up are formed side by side */
/* (rows [dG | dU] of 2f), so when the weights are halves of one matrix each product with them is one call.         */
static int swiglu_bwd(Ctx *c, int64_t m, int64_t d, int64_t f, int64_t e, const float *x, const float *wg, const float *wu,
                      int64_t ldw, const float *wd, const float *g, const float *u, int64_t ldg, const float *dy, float *dx,
                      float beta, float *dwg, float *dwu, float *dwd) {
  const int64_t l2 = 2 * f;
  float *ab = scratch(c, 0, m * l2);
  if (!ab) return 0;
  float *b = ab, *a = ab + f;
  /* a = h = silu(g) u; dwd = h^T dy; b = dh = dy wd^T; then a = dU, b = dG */
  silu_mul_rows(g, u, ldg, a, l2, m, f);
  gemm(1, 0, f, e, m, 1.0f, a, l2, dy, e, 0.0f, dwd, e);
  gemm(0, 1, m, f, e, 1.0f, dy, e, wd, e, 0.0f, b, l2);
  silu_mul_grad_rows(g, u, ldg, a, b, l2, m, f);
  if (wu == wg + f && ldw == l2) {
    gemm(0, 1, m, d, l2, 1.0f, ab, l2, wg, ldw, beta, dx, d);
  } else {
    gemm(0, 1, m, d, f, 1.0f, b, l2, wg, ldw, beta, dx, d);
    gemm(0, 1, m, d, f, 1.0f, a, l2, wu, ldw, 1.0f, dx, d);
  }
  if (dwu == dwg + f && ldw == l2) {
    gemm(1, 0, d, l2, m, 1.0f, x, d, ab, l2, 0.0f, dwg, ldw);
  } else {
    gemm(1, 0, d, f, m, 1.0f, x, d, b, l2, 0.0f, dwg, ldw);
    gemm(1, 0, d, f, m, 1.0f, x, d, a, l2, 0.0f, dwu, ldw);
  }
  return 1;
}

static napi_value swiglu(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[11];
  if (!args(env, info, "swiglu", 11, &c, v)) return NULL;
  const int64_t m = (int64_t)v[0], d = (int64_t)v[1], f = (int64_t)v[2], e = (int64_t)v[3];
  const float *x = at(&c, (int64_t)v[4], m * d), *wg = at(&c, (int64_t)v[5], d * f), *wu = at(&c, (int64_t)v[6], d * f);
  const float *wd = at(&c, (int64_t)v[7], f * e);
  float *out = at(&c, (int64_t)v[8], m * e), *g = at(&c, (int64_t)v[9], m * f), *u = at(&c, (int64_t)v[10], m * f);
  if (c.failed) return NULL;
  swiglu_fwd(&c, m, d, f, e, x, wg, wu, f, wd, out, 0.0f, g, u, f);
  return NULL;
}

/* swigluGrad(buf, m, d, inner, dOut, x, wg, wu, wd, g, u, dy, dx, dwg, dwu, dwd)                                    */
static napi_value swiglu_grad(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[15];
  if (!args(env, info, "swigluGrad", 15, &c, v)) return NULL;
  const int64_t m = (int64_t)v[0], d = (int64_t)v[1], f = (int64_t)v[2], e = (int64_t)v[3];
  const float *x = at(&c, (int64_t)v[4], m * d), *wg = at(&c, (int64_t)v[5], d * f), *wu = at(&c, (int64_t)v[6], d * f);
  const float *wd = at(&c, (int64_t)v[7], f * e), *g = at(&c, (int64_t)v[8], m * f), *u = at(&c, (int64_t)v[9], m * f);
  const float *dy = at(&c, (int64_t)v[10], m * e);
  float *dx = at(&c, (int64_t)v[11], m * d), *dwg = at(&c, (int64_t)v[12], d * f), *dwu = at(&c, (int64_t)v[13], d * f);
  float *dwd = at(&c, (int64_t)v[14], f * e);
  if (c.failed) return NULL;
  swiglu_bwd(&c, m, d, f, e, x, wg, wu, f, wd, g, u, f, dy, dx, 0.0f, dwg, dwu, dwd);
  return NULL;
}

/* y [A, C, R] = x [A, R, C] (the last two axes swapped), blocked. */
static void transpose_last2(int64_t A, int64_t R, int64_t C, const float *x, float *y) {
  const int64_t T = 32, tilesR = (R + T - 1) / T;
#pragma omp parallel for if (A * R * C >= PAR_MIN) schedule(static)
  for (int64_t at_ = 0; at_ < A * tilesR; at_++) {
    const int64_t a = at_ / tilesR, r0 = (at_ % tilesR) * T;
    const float *xa = x + a * R * C;
    float *ya = y + a * R * C;
    const int64_t r1 = r0 + T < R ? r0 + T : R;
    for (int64_t c0 = 0; c0 < C; c0 += T) {
      const int64_t c1 = c0 + T < C ? c0 + T : C;
      for (int64_t r = r0; r < r1; r++)
        for (int64_t cc = c0; cc < c1; cc++) ya[cc * R + r] = xa[r * C + cc];
    }
  }
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* The post-norm SwiGLU sub-block y = rmsNorm(x + swiglu(x)) in one call, forward and backward.                      */
/* Channel mode (tokens 0): x, y [m, d], the MLP and the norm act on rows of d. Token mode (tokens 1, TRM's mlp_t):   */
/* x, y [B*S, D] with m = B*S, d = D, while the MLP and the norm act along the sequence, on the rows of xT [B, D, S]. */
/* r [rows] and gu [rows, 2 inner] (gate | up) are kept for the gradient in the layout the MLP sees.                */
typedef struct {
  int64_t B, S, D, f, rows, width;
  int tokens;
} BlockShape;

static int block_shape(Ctx *c, const double *v, BlockShape *s) {
  s->B = (int64_t)v[0];
  s->S = (int64_t)v[1];
  s->D = (int64_t)v[2];
  s->f = (int64_t)v[3];
  s->tokens = v[4] != 0;
  if (s->B < 0 || s->S < 0 || s->D < 0 || s->f < 0) {
    fail(c, "negative size");
    return 0;
  }
  s->rows = s->tokens ? s->B * s->D : s->B * s->S;
  s->width = s->tokens ? s->S : s->D;
  return 1;
}

/* swigluBlock(buf, B, S, D, inner, tokens, eps, x, wgu, wd, y, r, gu); wgu [w, 2 inner] = [gate | up].             */
static napi_value swiglu_block(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[12];
  if (!args(env, info, "swigluBlock", 12, &c, v)) return NULL;
  BlockShape s;
  if (!block_shape(&c, v, &s)) return NULL;
  const int64_t n = s.rows * s.width, w = s.width, f = s.f;
  const float eps = (float)v[5];
  const float *x = at(&c, (int64_t)v[6], n), *wgu = at(&c, (int64_t)v[7], 2 * w * f), *wd = at(&c, (int64_t)v[8], f * w);
  float *y = at(&c, (int64_t)v[9], n), *r = at(&c, (int64_t)v[10], s.rows), *gu = at(&c, (int64_t)v[11], s.rows * 2 * f);
  if (c.failed) return NULL;
  float *z = scratch(&c, 2, n);
  float *xt = s.tokens ? scratch(&c, 3, n) : NULL;
  if (!z || (s.tokens && !xt)) return NULL;
  const float *xin = x;
  if (s.tokens) {
    transpose_last2(s.B, s.S, s.D, x, xt);
    xin = xt;
  }
  memcpy(z, xin, (size_t)n * sizeof(float));
  if (!swiglu_fwd(&c, s.rows, w, f, w, xin, wgu, wgu + f, 2 * f, wd, z, 1.0f, gu, gu + f, 2 * f)) return NULL;
  if (s.tokens) {
    rms_rows(s.rows, w, eps, z, xt, r); /* xt is free again: the normed rows go there, then back to [B*S, D] */
    transpose_last2(s.B, s.D, s.S, xt, y);
  } else {
    rms_rows(s.rows, w, eps, z, y, r);
  }
  return NULL;
}

/* swigluBlockGrad(buf, B, S, D, inner, tokens, x, wgu, wd, gu, y, r, dy, dx, dwgu, dwd)                             */
static napi_value swiglu_block_grad(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[15];
  if (!args(env, info, "swigluBlockGrad", 15, &c, v)) return NULL;
  BlockShape s;
  if (!block_shape(&c, v, &s)) return NULL;
  const int64_t n = s.rows * s.width, w = s.width, f = s.f;
  const float *x = at(&c, (int64_t)v[5], n), *wgu = at(&c, (int64_t)v[6], 2 * w * f), *wd = at(&c, (int64_t)v[7], f * w);
  const float *gu = at(&c, (int64_t)v[8], s.rows * 2 * f);
  const float *y = at(&c, (int64_t)v[9], n), *r = at(&c, (int64_t)v[10], s.rows), *dy = at(&c, (int64_t)v[11], n);
  float *dx = at(&c, (int64_t)v[12], n), *dwgu = at(&c, (int64_t)v[13], 2 * w * f), *dwd = at(&c, (int64_t)v[14], f * w);
  if (c.failed) return NULL;
  /* dz = rmsNorm'(dy) in the MLP's layout, written where dx goes; dx = dz + swiglu'(dz): swiglu_bwd reads its      */
  /* output gradient only before it accumulates into dx, so the two may share one buffer.                           */
  if (s.tokens) {
    float *xt = scratch(&c, 3, n), *yt = scratch(&c, 4, n), *dyt = scratch(&c, 5, n), *dxt = scratch(&c, 6, n);
    if (!xt || !yt || !dyt || !dxt) return NULL;
    transpose_last2(s.B, s.S, s.D, y, yt);
    transpose_last2(s.B, s.S, s.D, dy, dyt);
    transpose_last2(s.B, s.S, s.D, x, xt);
    rms_rows_grad(s.rows, w, yt, r, dyt, dxt);
    if (!swiglu_bwd(&c, s.rows, w, f, w, xt, wgu, wgu + f, 2 * f, wd, gu, gu + f, 2 * f, dxt, dxt, 1.0f, dwgu, dwgu + f, dwd)) return NULL;
    transpose_last2(s.B, s.D, s.S, dxt, dx);
  } else {
    rms_rows_grad(s.rows, w, y, r, dy, dx);
    swiglu_bwd(&c, s.rows, w, f, w, x, wgu, wgu + f, 2 * f, wd, gu, gu + f, 2 * f, dx, dx, 1.0f, dwgu, dwgu + f, dwd);
  }
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* Attention heads. qkv [B*S, 3D] holds per row the q heads, then the k heads, then the v heads (hd = D / nh each).  */
/* The arguments attention and attentionGrad share: B, S, nh, hd, hasRope, qkv [B*S, 3D], cos, sin [S, hd].         */
typedef struct {
  int64_t B, S, nh, hd, D;
  const float *qkv, *cs, *sn;
} AttnShape;

/* dims: B, S, nh, hd, hasRope; the RoPE tables at the offsets cosOff, sinOff when hasRope. qkv is the caller's to set. */
static AttnShape attn_shape(Ctx *c, const double *dims, double cosOff, double sinOff) {
  AttnShape a;
  a.B = (int64_t)dims[0];
  a.S = (int64_t)dims[1];
  a.nh = (int64_t)dims[2];
  a.hd = (int64_t)dims[3];
  a.D = a.nh * a.hd;
  a.qkv = NULL;
  a.cs = dims[4] != 0 ? at(c, (int64_t)cosOff, a.S * a.hd) : NULL;
  a.sn = dims[4] != 0 ? at(c, (int64_t)sinOff, a.S * a.hd) : NULL;
  return a;
}

/* RoPE (rotate-half) with tables cos, sin [S, hd]; sign -1 applies the adjoint (sin negated).                        */
static void rope_row(const float *x, float *out, const float *cs, const float *sn, int64_t hd, float scale, float sign) {
  const int64_t half = hd / 2;
  for (int64_t j = 0; j < half; j++) {
    const float a = x[j], b = x[j + half];
    out[j] = scale * (a * cs[j] - sign * b * sn[j]);
    out[j + half] = scale * (b * cs[j + half] + sign * a * sn[j + half]);
  }
}

/* The heads forward: q = rope(q) / sqrt(hd), k = rope(k) as [B, nh, S, hd]; p = softmax(q k^T) [B, nh, S, S];       */
/* out [B*S, D] = p v.                                                                                                */
static void attn_fwd(const AttnShape *a, float *out, float *q, float *k, float *p) {
  const int64_t B = a->B, S = a->S, nh = a->nh, hd = a->hd, D = a->D, D3 = 3 * D;
  const float *qkv = a->qkv, *cs = a->cs, *sn = a->sn; /* cs, sn NULL without RoPE */
  const float scale = 1.0f / sqrtf((float)hd);
  blas_threads_for(0.0);
#pragma omp parallel for if (B * nh * S * S >= PAR_MIN / 4) schedule(static)
  for (int64_t bh = 0; bh < B * nh; bh++) {
    const int64_t b = bh / nh, h = bh % nh;
    float *qh = q + bh * S * hd, *kh = k + bh * S * hd, *ph = p + bh * S * S;
    for (int64_t i = 0; i < S; i++) {
      const float *row = qkv + (b * S + i) * D3;
      if (cs) {
        rope_row(row + h * hd, qh + i * hd, cs + i * hd, sn + i * hd, hd, scale, 1.0f);
        rope_row(row + D + h * hd, kh + i * hd, cs + i * hd, sn + i * hd, hd, 1.0f, 1.0f);
      } else {
        for (int64_t j = 0; j < hd; j++) {
          qh[i * hd + j] = scale * row[h * hd + j];
          kh[i * hd + j] = row[D + h * hd + j];
        }
      }
    }
    gemm(0, 1, S, S, hd, 1.0f, qh, hd, kh, hd, 0.0f, ph, S);
    for (int64_t i = 0; i < S; i++) {
      float *pi = ph + i * S, mx = pi[0], sum = 0.0f;
      for (int64_t j = 1; j < S; j++) mx = pi[j] > mx ? pi[j] : mx;
      for (int64_t j = 0; j < S; j++) {
        pi[j] = fexp(pi[j] - mx);
        sum += pi[j];
      }
      const float inv = 1.0f / sum;
      for (int64_t j = 0; j < S; j++) pi[j] *= inv;
    }
    gemm(0, 0, S, hd, S, 1.0f, ph, S, qkv + b * S * D3 + 2 * D + h * hd, D3, 0.0f, out + b * S * D + h * hd, D);
  }
}

/* The heads backward: dqkv [B*S, 3D] from dOut [B*S, D] and what attn_fwd kept (q, k, p). */
static int attn_bwd(Ctx *c, const AttnShape *a, const float *q, const float *k, const float *p, const float *dOut,
                    float *dqkv) {
  const int64_t B = a->B, S = a->S, nh = a->nh, hd = a->hd, D = a->D, D3 = 3 * D;
  const float *qkv = a->qkv, *cs = a->cs, *sn = a->sn;
  const float scale = 1.0f / sqrtf((float)hd);
  int nthreads = 1;
#ifdef _OPENMP
  nthreads = omp_get_max_threads();
#endif
  float *work = scratch(c, 7, (int64_t)nthreads * (S * S + 2 * S * hd));
  if (!work) return 0;
  blas_threads_for(0.0);
#pragma omp parallel for if (B * nh * S * S >= PAR_MIN / 4) schedule(static)
  for (int64_t bh = 0; bh < B * nh; bh++) {
    int t = 0;
#ifdef _OPENMP
    t = omp_get_thread_num();
#endif
    float *ds = work + (int64_t)t * (S * S + 2 * S * hd), *dq = ds + S * S, *dk = dq + S * hd;
    const int64_t b = bh / nh, h = bh % nh;
    const float *qh = q + bh * S * hd, *kh = k + bh * S * hd, *ph = p + bh * S * S;
    const float *vh = qkv + b * S * D3 + 2 * D + h * hd, *doh = dOut + b * S * D + h * hd;
    float *dqkvb = dqkv + b * S * D3;
    /* dP = dO v^T; dV = p^T dO (straight into dqkv) */
    gemm(0, 1, S, S, hd, 1.0f, doh, D, vh, D3, 0.0f, ds, S);
    gemm(1, 0, S, hd, S, 1.0f, ph, S, doh, D, 0.0f, dqkvb + 2 * D + h * hd, D3);
    /* softmax: dScores = p (dP - sum(dP p)) */
    for (int64_t i = 0; i < S; i++) {
      const float *pi = ph + i * S;
      float *di = ds + i * S, s = 0.0f;
      for (int64_t j = 0; j < S; j++) s += di[j] * pi[j];
      for (int64_t j = 0; j < S; j++) di[j] = pi[j] * (di[j] - s);
    }
    /* dq (scaled) = dScores k; dk = dScores^T q */
    gemm(0, 0, S, hd, S, 1.0f, ds, S, kh, hd, 0.0f, dq, hd);
    gemm(1, 0, S, hd, S, 1.0f, ds, S, qh, hd, 0.0f, dk, hd);
    for (int64_t i = 0; i < S; i++) {
      float *rq = dqkvb + i * D3 + h * hd, *rk = dqkvb + i * D3 + D + h * hd;
      if (cs) {
        rope_row(dq + i * hd, rq, cs + i * hd, sn + i * hd, hd, scale, -1.0f);
        rope_row(dk + i * hd, rk, cs + i * hd, sn + i * hd, hd, 1.0f, -1.0f);
      } else {
        for (int64_t j = 0; j < hd; j++) {
          rq[j] = scale * dq[i * hd + j];
          rk[j] = dk[i * hd + j];
        }
      }
    }
  }
  return 1;
}

/* attention(buf, B, S, nh, hd, hasRope, qkv, cos, sin, out, q, k, p): attn_fwd.                                     */
static napi_value attention(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[12];
  if (!args(env, info, "attention", 12, &c, v)) return NULL;
  AttnShape a = attn_shape(&c, v, v[6], v[7]);
  const int64_t n = a.B * a.S * a.D;
  a.qkv = at(&c, (int64_t)v[5], 3 * n);
  float *out = at(&c, (int64_t)v[8], n), *q = at(&c, (int64_t)v[9], n), *k = at(&c, (int64_t)v[10], n);
  float *p = at(&c, (int64_t)v[11], a.B * a.nh * a.S * a.S);
  if (c.failed) return NULL;
  attn_fwd(&a, out, q, k, p);
  return NULL;
}

/* attentionGrad(buf, B, S, nh, hd, hasRope, qkv, cos, sin, q, k, p, dOut, dqkv): attn_bwd.                          */
static napi_value attention_grad(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[13];
  if (!args(env, info, "attentionGrad", 13, &c, v)) return NULL;
  AttnShape a = attn_shape(&c, v, v[6], v[7]);
  const int64_t n = a.B * a.S * a.D;
  a.qkv = at(&c, (int64_t)v[5], 3 * n);
  const float *q = at(&c, (int64_t)v[8], n), *k = at(&c, (int64_t)v[9], n);
  const float *p = at(&c, (int64_t)v[10], a.B * a.nh * a.S * a.S), *dOut = at(&c, (int64_t)v[11], n);
  float *dqkv = at(&c, (int64_t)v[12], 3 * n);
  if (c.failed) return NULL;
  attn_bwd(&c, &a, q, k, p, dOut, dqkv);
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* The post-norm attention sub-block y = rmsNorm(x + attn(x wqkv) wo) in one call, forward and backward.             */
/* attentionBlock(buf, B, S, nh, hd, hasRope, eps, cos, sin, x, wqkv, wo, y, r, qkv, heads, q, k, p)                 */
/*   x, y, heads (attention output before wo) [B*S, D], wqkv [D, 3D], wo [D, D], r [B*S], qkv [B*S, 3D]; q, k, p as  */
/*   attn_fwd keeps them.                                                                                             */
static napi_value attention_block(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[18];
  if (!args(env, info, "attentionBlock", 18, &c, v)) return NULL;
  AttnShape a = attn_shape(&c, v, v[6], v[7]);
  const int64_t rows = a.B * a.S, D = a.D, n = rows * D;
  const float eps = (float)v[5];
  const float *x = at(&c, (int64_t)v[8], n), *wqkv = at(&c, (int64_t)v[9], 3 * D * D), *wo = at(&c, (int64_t)v[10], D * D);
  float *y = at(&c, (int64_t)v[11], n), *r = at(&c, (int64_t)v[12], rows), *qkv = at(&c, (int64_t)v[13], 3 * n);
  float *heads = at(&c, (int64_t)v[14], n), *q = at(&c, (int64_t)v[15], n), *k = at(&c, (int64_t)v[16], n);
  float *p = at(&c, (int64_t)v[17], a.B * a.nh * a.S * a.S);
  if (c.failed) return NULL;
  float *z = scratch(&c, 2, n);
  if (!z) return NULL;
  a.qkv = qkv;
  gemm(0, 0, rows, 3 * D, D, 1.0f, x, D, wqkv, 3 * D, 0.0f, qkv, 3 * D);
  attn_fwd(&a, heads, q, k, p);
  memcpy(z, x, (size_t)n * sizeof(float));
  gemm(0, 0, rows, D, D, 1.0f, heads, D, wo, D, 1.0f, z, D);
  rms_rows(rows, D, eps, z, y, r);
  return NULL;
}

/* attentionBlockGrad(buf, B, S, nh, hd, hasRope, cos, sin, x, wqkv, wo, y, r, qkv, heads, q, k, p, dy, dx, dwqkv,   */
/*   dwo)                                                                                                              */
static napi_value attention_block_grad(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[21];
  if (!args(env, info, "attentionBlockGrad", 21, &c, v)) return NULL;
  AttnShape a = attn_shape(&c, v, v[5], v[6]);
  const int64_t rows = a.B * a.S, D = a.D, n = rows * D;
  const float *x = at(&c, (int64_t)v[7], n), *wqkv = at(&c, (int64_t)v[8], 3 * D * D), *wo = at(&c, (int64_t)v[9], D * D);
  const float *y = at(&c, (int64_t)v[10], n), *r = at(&c, (int64_t)v[11], rows), *qkv = at(&c, (int64_t)v[12], 3 * n);
  const float *heads = at(&c, (int64_t)v[13], n), *q = at(&c, (int64_t)v[14], n), *k = at(&c, (int64_t)v[15], n);
  const float *p = at(&c, (int64_t)v[16], a.B * a.nh * a.S * a.S), *dy = at(&c, (int64_t)v[17], n);
  float *dx = at(&c, (int64_t)v[18], n), *dwqkv = at(&c, (int64_t)v[19], 3 * D * D), *dwo = at(&c, (int64_t)v[20], D * D);
  if (c.failed) return NULL;
  float *dheads = scratch(&c, 2, n), *dqkv = scratch(&c, 3, 3 * n);
  if (!dheads || !dqkv) return NULL;
  a.qkv = qkv;
  /* dz = rmsNorm'(dy), written into dx (the residual's share); dwo = heads^T dz; dheads = dz wo^T */
  rms_rows_grad(rows, D, y, r, dy, dx);
  gemm(1, 0, D, D, rows, 1.0f, heads, D, dx, D, 0.0f, dwo, D);
  gemm(0, 1, rows, D, D, 1.0f, dx, D, wo, D, 0.0f, dheads, D);
  if (!attn_bwd(&c, &a, q, k, p, dheads, dqkv)) return NULL;
  /* dwqkv = x^T dqkv; dx += dqkv wqkv^T */
  gemm(1, 0, D, 3 * D, rows, 1.0f, x, D, dqkv, 3 * D, 0.0f, dwqkv, 3 * D);
  gemm(0, 1, rows, D, 3 * D, 1.0f, dqkv, 3 * D, wqkv, 3 * D, 1.0f, dx, D);
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* transpose3(buf, A, R, C, x, y): y [A, C, R] = x [A, R, C] with the last two axes swapped (blocked copy).         */
static napi_value transpose3(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[5];
  if (!args(env, info, "transpose3", 5, &c, v)) return NULL;
  const int64_t A = (int64_t)v[0], R = (int64_t)v[1], C = (int64_t)v[2];
  const float *x = at(&c, (int64_t)v[3], A * R * C);
  float *y = at(&c, (int64_t)v[4], A * R * C);
  if (c.failed) return NULL;
  transpose_last2(A, R, C, x, y);
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* adamUpdate(buf, n, kind, lr, beta1, beta2, bc1, bc2Sqrt, decay, eps, p, m, v, g, pOut, mOut, vOut)              */
/*   Reads p, m, v, g and writes p', m', v' (the outputs may alias the inputs). kind 0: AdamATan2,                   */
/*   p' = p decay - lr/bc1 atan2(m', sqrt(v')/bc2Sqrt); kind 1: AdamW, p' = p decay - lr/bc1 m' / (sqrt(v')/bc2Sqrt   */
/*   + eps). `decay` is 1 - lr wd.                                                                                   */
static napi_value adam_update(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[16];
  if (!args(env, info, "adamUpdate", 16, &c, v)) return NULL;
  const int64_t n = (int64_t)v[0];
  const int kind = (int)v[1];
  const float lr = (float)v[2], b1 = (float)v[3], b2 = (float)v[4], bc1 = (float)v[5], bc2s = (float)v[6];
  const float decay = (float)v[7], eps = (float)v[8];
  const float *p = at(&c, (int64_t)v[9], n), *m = at(&c, (int64_t)v[10], n), *vv = at(&c, (int64_t)v[11], n);
  const float *g = at(&c, (int64_t)v[12], n);
  float *po = at(&c, (int64_t)v[13], n), *mo = at(&c, (int64_t)v[14], n), *vo = at(&c, (int64_t)v[15], n);
  if (c.failed) return NULL;
  const float step = lr / bc1, om1 = 1.0f - b1, om2 = 1.0f - b2;
#define ADAM_LOOP(direction)                                     \
  _Pragma("omp parallel for if (n >= PAR_MIN) schedule(static)") \
  for (int64_t i = 0; i < n; i++) {                              \
    const float gi = g[i];                                       \
    const float mi = m[i] + (gi - m[i]) * om1;                   \
    const float vi = vv[i] + (gi * gi - vv[i]) * om2;            \
    const float denom = sqrtf(vi) / bc2s;                        \
    po[i] = p[i] * decay - (direction) * step;                   \
    mo[i] = mi;                                                  \
    vo[i] = vi;                                                  \
  }
  if (kind == 0) {
    ADAM_LOOP(fatan2_xpos(mi, denom))
  } else {
    ADAM_LOOP(mi / (denom + eps))
  }
#undef ADAM_LOOP
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* emaUpdate(buf, n, rate, s, p, out): out = rate s + (1 - rate) p, the moving average of weights (out may alias s). */
static napi_value ema_update(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[5];
  if (!args(env, info, "emaUpdate", 5, &c, v)) return NULL;
  const int64_t n = (int64_t)v[0];
  const float rate = (float)v[1], keep = 1.0f - (float)v[1];
  const float *sh = at(&c, (int64_t)v[2], n), *p = at(&c, (int64_t)v[3], n);
  float *out = at(&c, (int64_t)v[4], n);
  if (c.failed) return NULL;
#pragma omp parallel for if (n >= PAR_MIN) schedule(static)
  for (int64_t i = 0; i < n; i++) out[i] = sh[i] * rate + p[i] * keep;
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* tile(buf, rank, x, y, in[0..rank), reps[0..rank)): y = x repeated reps[a] times along each axis a (rank <= 6) of   */
/* 4-byte elements: the innermost axis by copies of the row, every outer axis by copies of the block just written.   */
#define TILE_MAX_RANK 6
static void tile_axis(int a, int rank, const int64_t *in, const int64_t *reps, const int64_t *inStride,
                      const int64_t *outStride, const uint32_t *x, uint32_t *y) {
  if (a == rank - 1) {
    for (int64_t t = 0; t < reps[a]; t++) memcpy(y + t * in[a], x, (size_t)in[a] * 4);
    return;
  }
  for (int64_t i = 0; i < in[a]; i++) tile_axis(a + 1, rank, in, reps, inStride, outStride, x + i * inStride[a], y + i * outStride[a]);
  const int64_t block = in[a] * outStride[a];
  for (int64_t t = 1; t < reps[a]; t++) memcpy(y + t * block, y, (size_t)block * 4);
}

static napi_value tile(napi_env env, napi_callback_info info) {
  Ctx c;
  double v[3 + 2 * TILE_MAX_RANK];
  if (!args(env, info, "tile", 3 + 2 * TILE_MAX_RANK, &c, v)) return NULL;
  const int rank = (int)v[0];
  if (rank < 1 || rank > TILE_MAX_RANK) {
    fail(&c, "rank must be 1..6");
    return NULL;
  }
  int64_t in[TILE_MAX_RANK], reps[TILE_MAX_RANK], inStride[TILE_MAX_RANK], outStride[TILE_MAX_RANK];
  int64_t inSize = 1, outSize = 1;
  for (int a = 0; a < rank; a++) {
    in[a] = (int64_t)v[3 + a];
    reps[a] = (int64_t)v[3 + TILE_MAX_RANK + a];
    if (in[a] < 0 || reps[a] < 0) {
      fail(&c, "negative size or repeat");
      return NULL;
    }
    inSize *= in[a];
    outSize *= in[a] * reps[a];
  }
  int64_t si = 1, so = 1;
  for (int a = rank - 1; a >= 0; a--) {
    inStride[a] = si;
    outStride[a] = so;
    si *= in[a];
    so *= in[a] * reps[a];
  }
  const uint32_t *x = (const uint32_t *)at(&c, (int64_t)v[1], inSize);
  uint32_t *y = (uint32_t *)at(&c, (int64_t)v[2], outSize);
  if (c.failed || outSize == 0) return NULL;
  tile_axis(0, rank, in, reps, inStride, outStride, x, y);
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------------- */
typedef struct {
  const char *name;
  napi_callback fn;
} Entry;

static napi_value init(napi_env env, napi_value exports) {
  const Entry entries[] = {
      {"sgemmBatched", sgemm_batched}, {"linearGrad", linear_grad},     {"rmsNorm", rms_norm},
      {"rmsNormGrad", rms_norm_grad},  {"swiglu", swiglu},             {"swigluGrad", swiglu_grad},
      {"attention", attention},       {"attentionGrad", attention_grad}, {"transpose3", transpose3},
      {"adamUpdate", adam_update},     {"tile", tile},                 {"swigluBlock", swiglu_block},
      {"swigluBlockGrad", swiglu_block_grad}, {"attentionBlock", attention_block},
      {"attentionBlockGrad", attention_block_grad}, {"emaUpdate", ema_update},
  };
  for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, entries[i].name, NAPI_AUTO_LENGTH, entries[i].fn, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, entries[i].name, fn) != napi_ok) return NULL;
  }
  if (openblas_get_num_threads) {
    blas_threads_max = blas_threads_now = openblas_get_num_threads();
    const char *mt = getenv("TRM_NATIVE_GEMM_MT_MIN");
    if (mt && *mt) gemm_mt_min = atof(mt);
  }
  const char *pm = getenv("TRM_NATIVE_PAR_MIN");
  if (pm && *pm && atof(pm) >= 1.0) par_min = (int64_t)atof(pm);
  napi_value threads;
  int nthreads = 1;
#ifdef _OPENMP
  nthreads = omp_get_max_threads();
#endif
  if (napi_create_int32(env, nthreads, &threads) == napi_ok) napi_set_named_property(env, exports, "threads", threads);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
