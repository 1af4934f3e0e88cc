// Node-only: file reading and writing. The main entry (`@trm/core`) runs anywhere tfjs runs, browsers included.
export { writeFileAtomic } from "./atomic-write.js";
export { pausePoint } from "./pause-point.js";
export { loadSafetensors, readSafetensorsFile, saveSafetensors, writeSafetensorsFile } from "./safetensors-file.js";
export { loadCheckpointWeights, saveModelWeights } from "./state-dict-file.js";
// Official torch.save checkpoints (zip archives; deflated entries inflate through node:zlib).
export {
  decodeTorchCheckpoint,
  isTorchCheckpoint,
  isTorchCheckpointFile,
  loadWeightsFile,
  mapOfficialNames,
  readOfficialCheckpoint,
  type DecodedTorchCheckpoint,
  type DecodedTorchTensor,
  type OfficialCheckpoint,
  type OfficialNameMapping,
  type ReadTorchCheckpointOptions,
  type TorchDecodeOptions,
  type TorchWeightsChoice,
} from "./torch-checkpoint.js";
export { crc32, openZip, type ZipArchive, type ZipEntry } from "./torch-zip.js";
