import { readArcKaggle, readArcSources, readArcTaskFile, readArcTestPuzzles, type ArcTask } from "../arc.js";
import { readText } from "../files.js";
import { parseMazeCsv, type MazePuzzle } from "../maze.js";
import { parseSudokuFile, type SudokuPuzzle } from "../sudoku.js";
import { nodeFiles } from "./files.js";

/** Loads a Sudoku `.csv` (question and answer given) or a puzzle list (answers solved here). */
export function loadSudokuFile(file: string): SudokuPuzzle[] {
  return parseSudokuFile(readText(nodeFiles, file), file);
}

/** Loads a Maze CSV file with columns `source,question,answer[,rating]` (Maze-Hard). */
export function loadMazeFile(file: string): MazePuzzle[] {
  return parseMazeCsv(readText(nodeFiles, file), file);
}

/** One ARC task per file (ARC-AGI-1/2, ConceptARC): the id is the file name, the subset its folder's name. */
export function loadArcTaskFile(file: string): ArcTask {
  return readArcTaskFile(nodeFiles, file);
}

/** The Kaggle pair `<prefix>_<subset>_challenges.json` + `_solutions.json` (see `readArcKaggle`). */
export function loadArcKaggle(challengesFile: string): ArcTask[] {
  return readArcKaggle(nodeFiles, challengesFile);
}

/** ARC tasks from files and folders on disk (see `readArcSources`). */
export function loadArcSources(paths: readonly string[]): ArcTask[] {
  return readArcSources(nodeFiles, paths);
}

/** The held-out ARC tasks of a built dataset folder (see `readArcTestPuzzles`); null when it was not built from ARC. */
export function loadArcTestPuzzles(dir: string): ArcTask[] | null {
  return readArcTestPuzzles(nodeFiles, dir);
}
