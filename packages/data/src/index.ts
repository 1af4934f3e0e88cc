export { DataError, type DataErrorDetails } from "./errors.js";
export { createRng, type Rng } from "./rng.js";
export { decodeNpy, encodeNpy, type Npy, type NpyArray } from "./npy.js";
export { filesOf, memoryFiles, readJson, readText, type FileSource } from "./files.js";
export { baseName, dirName, joinPath } from "./path.js";
export { Sha256, sha256Hex } from "./sha256.js";
export { parseCsv, type CsvRecord } from "./csv.js";
export { gridFromRows, gridToRows, gridsEqual, invertPermutation, makeGrid, mapCells, type Grid } from "./grid.js";
export {
  DIHEDRAL_IDS,
  DIHEDRAL_INVERSE,
  dihedralShape,
  dihedralSource,
  dihedralTransform,
  inverseDihedralTransform,
  isDihedralId,
  type DihedralId,
} from "./dihedral.js";
export {
  ARC_COLOUR_OFFSET,
  ARC_EOS,
  ARC_MAX_SIDE,
  ARC_PAD,
  ARC_SEQ_LEN,
  ARC_VOCAB_SIZE,
  decodeArcGrid,
  encodeArcGrid,
  findArcGrid,
  isArcEvaluationSubset,
  parseArcGrid,
  parseArcTask,
  readArcTestPuzzles,
  readArcKaggle,
  readArcSources,
  readArcTaskFile,
  type ArcPair,
  type ArcTask,
} from "./arc.js";
export {
  ARC_IDENTITY_AUGMENTATION,
  applyArcAugmentation,
  arcPairsHash,
  arcVariantName,
  inverseArcAugmentation,
  invertArcAugmentation,
  parseArcVariantName,
  randomArcAugmentation,
  type ArcAugmentation,
} from "./arc-augment.js";
export { SUDOKU_SIZES, isSudokuSize, sudokuBox, type SudokuSize } from "./sudoku-box.js";
export {
  decodeSudokuGrid,
  encodeSudokuGrid,
  parseSudokuCsv,
  parseSudokuFile,
  parseSudokuPuzzleList,
  parseSudokuString,
  sudokuConflict,
  sudokuVocabSize,
  validateSudoku,
  type SudokuPuzzle,
} from "./sudoku.js";
export { solveSudoku, type SudokuSolveResult } from "./sudoku-solver.js";
export { generateSudoku, type GeneratedSudoku, type SudokuGeneratorOptions } from "./sudoku-generator.js";
export {
  applySudokuAugmentation,
  augmentSudoku,
  inverseSudokuAugmentation,
  randomSudokuAugmentation,
  type SudokuAugmentation,
} from "./sudoku-augment.js";
export {
  MAZE_CHARSET,
  MAZE_GOAL,
  MAZE_OPEN,
  MAZE_PATH,
  MAZE_START,
  MAZE_VOCAB_SIZE,
  MAZE_WALL,
  mazeDistances,
  mazeToString,
  parseMazeCsv,
  parseMazeString,
  validateMaze,
  type MazePuzzle,
} from "./maze.js";
export { MAX_MAZE_SIDE, generateMaze, type GeneratedMaze, type MazeGeneratorOptions } from "./maze-generator.js";
export {
  datasetExamples,
  datasetSummary,
  parseMetadata,
  readDatasetFrom,
  readIdentifiersFrom,
  validateDataset,
  validateSplits,
  validateTaskData,
  MAX_PUZZLE_IDENTIFIERS,
  MAX_SEQ_LEN,
  MAX_VOCAB_SIZE,
  type DatasetMetadata,
  type PuzzleDataset,
  type TaskDataCheck,
  type Split,
  type TokenArray,
} from "./dataset.js";
export type { BoardPicture, EncodeContext, PictureGrid, Task, TaskAugmentation, TaskExample, TaskItem } from "./task.js";
export { boardPicture, questionAnswerItems, splitOfFile } from "./task.js";
export { getTask, listTasks, registerTask, unregisterTask } from "./registry.js";
export {
  DatasetBuilder,
  buildDataset,
  holdOutItems,
  subsampleItems,
  type BuildOptions,
  type BuiltDataset,
} from "./build.js";
export { sudokuItems, sudokuTask, buildSudokuDataset, type SudokuDatasetInput } from "./sudoku-task.js";
export { mazeItems, mazeTask, buildMazeDataset, type MazeDatasetInput } from "./maze-task.js";
export { arcItems, arcPuzzleInverses, arcTask, buildArcDataset, type ArcDatasetInput, type ArcPuzzleInverse } from "./arc-task.js";
export { IGNORE_LABEL, type Batch } from "./batch.js";
export { TrainSampler, type TrainSamplerOptions, type TrainSamplerState } from "./sampler.js";
export { evalBatches, limitRows, type EvalBatch } from "./eval-batches.js";
export { MAX_GENERATED_PUZZLES, integerParams, parseGenerateSpec } from "./generate-spec.js";
export { unseenPuzzles } from "./held-out.js";
export { generateDataset, type GeneratedDataset, type GeneratedDatasetSpec, type GeneratedPuzzles } from "./generated-dataset.js";
