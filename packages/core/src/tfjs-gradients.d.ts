// "#tfjs-gradients" registers the gradients of @tensorflow/tfjs-core's ops (a side effect; it exports nothing).
export {};
