// Node-only: the disk. The main entry (`@trm/data`) parses bytes and text and runs anywhere, browsers included.
export { nodeFiles } from "./node/files.js";
export { fsErrorText, makeDirectory } from "./node/make-dir.js";
export { readNpy, writeNpy } from "./node/npy-files.js";
export { loadArcKaggle, loadArcSources, loadArcTaskFile, loadArcTestPuzzles, loadMazeFile, loadSudokuFile } from "./node/loaders.js";
export {
  readDataset,
  readIdentifiers,
  writeBuiltDataset,
  writeDataset,
  writeIdentifiers,
  writeJsonFile,
} from "./node/dataset-files.js";
