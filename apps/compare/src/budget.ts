/** How long each model trains. Both models get the same one. */
export type Budget =
  | { readonly kind: "seconds"; readonly seconds: number }
  | { readonly kind: "samples"; readonly samples: number };
