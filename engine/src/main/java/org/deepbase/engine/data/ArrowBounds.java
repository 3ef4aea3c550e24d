package org.deepbase.engine.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;

/**
 * Checks an Arrow IPC file's framing against the file's size before Arrow's readers allocate
 * anything: a damaged or hostile file can declare messages of gigabytes, and the reader would
 * reserve that memory before finding out the bytes are not there.
 */
final class ArrowBounds {
  private static final int CONTINUATION = 0xFFFFFFFF;

  private ArrowBounds() {}

  /** Checks every message of an IPC stream: metadata and body must lie inside the file. */
  static void checkStream(FileChannel channel) throws IOException {
    long size = channel.size();
    long at = 0;
    while (at + 4 <= size) {
      int length = readInt(channel, at);
      at += 4;
      if (length == CONTINUATION) {
        if (at + 4 > size) {
          break;
        }
        length = readInt(channel, at);
        at += 4;
      }
      if (length == 0) {
        return; // end of stream
      }
      if (length < 0 || at + length > size) {
        throw damaged(
            "a message header of " + Integer.toUnsignedString(length) + " bytes at offset " + at,
            size);
      }
      ByteBuffer metadata = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
      Npy.readFully(channel, metadata, at);
      long body;
      try {
        body = Message.getRootAsMessage(metadata.flip()).bodyLength();
      } catch (RuntimeException e) {
        throw damaged("an unreadable message header at offset " + at, size);
      }
      at += length;
      if (body < 0 || at + body > size) {
        throw damaged("a message body of " + body + " bytes at offset " + at, size);
      }
      at += body;
    }
  }

  /** Checks the record batch and dictionary blocks an IPC file's footer lists. */
  static void checkFile(ArrowFileReader reader, long size) throws IOException {
    java.util.List<ArrowBlock> blocks = new java.util.ArrayList<>(reader.getRecordBlocks());
    blocks.addAll(reader.getDictionaryBlocks());
    for (ArrowBlock block : blocks) {
      if (block.getOffset() < 0
          || block.getMetadataLength() < 0
          || block.getBodyLength() < 0
          || block.getOffset() + block.getMetadataLength() + block.getBodyLength() > size) {
        throw damaged(
            "a block of "
                + block.getMetadataLength()
                + " + "
                + block.getBodyLength()
                + " bytes at offset "
                + block.getOffset(),
            size);
      }
    }
  }

  private static IOException damaged(String what, long size) {
    return new IOException(
        "damaged Arrow IPC file: " + what + " runs past the end of the " + size + "-byte file");
  }

  private static int readInt(FileChannel channel, long at) throws IOException {
    ByteBuffer four = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    Npy.readFully(channel, four, at);
    return four.flip().getInt();
  }
}
