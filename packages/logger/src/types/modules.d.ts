declare module 'gifenc';
declare module 'omggif' {
  export class GifReader {
    constructor(buf: Uint8Array);
    width: number;
    height: number;
    numFrames(): number;
    frameInfo(i: number): { delay: number; width: number; height: number };
    decodeAndBlitFrameRGBA(i: number, out: Uint8Array): void;
  }
}
