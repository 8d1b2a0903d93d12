export function mnistPair(a: number, b: number, perClass: number): { X: number[][]; y: number[] };
export function mnistDigits(digits: number[], perClass: number): { X: number[][]; y: number[] };
export function spamBagOfWords(perClass: number, vocabulary: number): { X: number[][]; y: number[]; words: string[] };
export function irisBinary(): { X: number[][]; y: number[] };
