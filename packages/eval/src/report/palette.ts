/** The standard ARC colour palette, colour c at index c. */
export const ARC_PALETTE: readonly string[] = [
  "#000000",
  "#0074D9",
  "#FF4136",
  "#2ECC40",
  "#FFDC00",
  "#AAAAAA",
  "#F012BE",
  "#FF851B",
  "#7FDBFF",
  "#870C25",
];

/** One colour per model across every chart and table, so TRM and HRM read the same everywhere. */
export const MODEL_COLOURS: Readonly<Record<string, string>> = {
  TRM: "#2563eb",
  HRM: "#ea580c",
};

/** Colours for further models, in order. */
const EXTRA_COLOURS = ["#059669", "#7c3aed", "#db2777", "#0891b2"];

export function modelColour(label: string, index: number): string {
  return MODEL_COLOURS[label] ?? MODEL_COLOURS[label.toUpperCase()] ?? EXTRA_COLOURS[index % EXTRA_COLOURS.length] ?? "#475569";
}

/** Marks a wrong cell in puzzle renders. */
export const WRONG_COLOUR = "#dc2626";
