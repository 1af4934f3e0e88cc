/*
 * A batched single-precision matrix product on a caller-owned ArrayBuffer, through the system's CBLAS sgemm.
 *
 * The buffer is the wasm backend's heap (WebAssembly.Memory.buffer): operands and the result live there already, so
 * nothing is copied in or out. Offsets are in bytes from the start of the buffer; strides between batch entries are in
 * floats (0 broadcasts one matrix over the batch). Row-major, as tfjs stores tensors.
 *
 * sgemmBatched(buffer, batch, m, n, k, transA, transB, aOffset, aStride, bOffset, bStride, cOffset, cStride)
 *   C[i] (m x n) = op(A[i]) (m x k) . op(B[i]) (k x n)
 */
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

/* The standard CBLAS entry point, declared here so any CBLAS (OpenBLAS, BLIS, MKL, reference) links. */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
extern void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc);

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) {                                                                                           \
      napi_throw_error(env, NULL, "sgemmBatched: " #call " failed");                                                   \
      return NULL;                                                                                                     \
    }                                                                                                                  \
  } while (0)

static napi_value sgemm_batched(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) {
    napi_throw_type_error(env, NULL, "sgemmBatched: expected 13 arguments");
    return NULL;
  }
  void *data = NULL;
  size_t byteLength = 0;
  bool isArrayBuffer = false;
  CHECK(napi_is_arraybuffer(env, argv[0], &isArrayBuffer));
  if (!isArrayBuffer) {
    napi_throw_type_error(env, NULL, "sgemmBatched: argument 0 must be an ArrayBuffer (the wasm heap)");
    return NULL;
  }
  CHECK(napi_get_arraybuffer_info(env, argv[0], &data, &byteLength));
  int64_t v[12];
  for (int i = 0; i < 12; i++) CHECK(napi_get_value_int64(env, argv[i + 1], &v[i]));
  const int64_t batch = v[0], m = v[1], n = v[2], k = v[3];
  const int transA = v[4] != 0, transB = v[5] != 0;
  const int64_t aOff = v[6], aStride = v[7], bOff = v[8], bStride = v[9], cOff = v[10], cStride = v[11];
  if (batch < 0 || m < 0 || n < 0 || k < 0 || aOff < 0 || bOff < 0 || cOff < 0 || aStride < 0 || bStride < 0 ||
      cStride < 0) {
    napi_throw_range_error(env, NULL, "sgemmBatched: negative size, offset or stride");
    return NULL;
  }
  /* Refuse anything that would read or write outside the buffer. */
  const int64_t last = batch > 0 ? batch - 1 : 0;
  const int64_t aEnd = aOff + 4 * (last * aStride + m * k);
  const int64_t bEnd = bOff + 4 * (last * bStride + k * n);
  const int64_t cEnd = cOff + 4 * (last * cStride + m * n);
  if (aEnd > (int64_t)byteLength || bEnd > (int64_t)byteLength || cEnd > (int64_t)byteLength) {
    napi_throw_range_error(env, NULL, "sgemmBatched: operand outside the buffer");
    return NULL;
  }
  if ((aOff | bOff | cOff) & 3) {
    napi_throw_range_error(env, NULL, "sgemmBatched: offsets must be 4-byte aligned");
    return NULL;
  }
  uint8_t *base = (uint8_t *)data;
  const float *a = (const float *)(base + aOff);
  const float *b = (const float *)(base + bOff);
  float *c = (float *)(base + cOff);
  const int lda = transA ? (int)m : (int)k;
  const int ldb = transB ? (int)k : (int)n;
  for (int64_t i = 0; i < batch; i++) {
    if (k == 0) {
      for (int64_t j = 0; j < m * n; j++) c[i * cStride + j] = 0.0f;
      continue;
    }
    cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, (int)m, (int)n, (int)k, 1.0f,
                a + i * aStride, lda, b + i * bStride, ldb, 0.0f, c + i * cStride, (int)n);
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "sgemmBatched", NAPI_AUTO_LENGTH, sgemm_batched, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "sgemmBatched", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
