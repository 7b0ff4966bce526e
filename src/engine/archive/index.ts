// Public surface of the archive formats: tar (a push parser, a pull reader, a writer: in
// src/common/tar, as the CLI reads and writes tars too for cp), the
// decompression of archives and tarballs as docker does it, the checks that keep a tar entry's
// name inside its root, an entry's xattrs set as dockerd sets them, and the byte channel that tees one stream into two sinks.
export { ByteChannel } from "./byte-channel.ts";
export { chain, decompressed, sniffCompression, type DecompressFor, type InputCompression } from "./decompress.ts";
export { ancestors, baseOf, cleanEntryPath, parentOf, quoted } from "./safe-path.ts";
export { setEntryXattrs } from "./entry-xattrs.ts";
export { TarParser, type TarEntryType, type TarHeader, type TarInput, type TarSink } from "../../common/tar/tar-parser.ts";
export { readTar, type TarEntry } from "../../common/tar/tar-reader.ts";
export { buildTar, tarEntry, tarPadding, tarTrailer, type TarWriteEntry } from "../../common/tar/tar-writer.ts";
