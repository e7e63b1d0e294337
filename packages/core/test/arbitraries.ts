import fc from 'fast-check';

/** Strings that stress the parsers: separators, controls, lone surrogates, any BMP code unit. */
export const tricky = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '\n',
          '\n\n',
          '\u2014 ',
          ' ',
          '+',
          '=',
          'A',
          '0',
          '\r',
          '\t',
          '\0',
          '\ud800',
          '\ufeff',
        ),
        fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      ),
      { maxLength },
    )
    .map((parts) => parts.join(''));
