export {
  ADDON_PATH,
  FUSED_KERNEL_NAMES,
  loadNativeKernels,
  nativeKernelsStatus,
  registerNativeKernels,
  unregisterNativeKernels,
  type LoadResult,
  type NativeAddon,
  type NativeStatus,
  type RegisterResult,
} from "./native-kernels.js";
