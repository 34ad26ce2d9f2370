using System.Buffers;
using System.Text.Json;
using Platform.Agent.Linux;

namespace Platform.Agent.Operations;

/// <summary>
/// The journal on disk: UTF-8 JSON lines, one <see cref="OperationRecord"/> each, appended and
/// fsync'd one at a time, and read back one line at a time by its <see cref="RecordLocation"/>
/// when an outcome is replayed. A crash can only leave a torn last line, which opening skips;
/// opening then rewrites the file without it (and without expired or repeated records) through a
/// fsync'd temporary file renamed over the old one, so either the old or the new file survives a
/// crash there too. <see cref="Compact"/> does the same while the agent runs.
/// </summary>
/// <remarks>Not thread-safe: the journal serializes appends, reads and compaction.</remarks>
internal sealed class OperationJournalFile : IDisposable
{
    private const int ReadChunk = 64 * 1024;
    private const UnixFileMode JournalFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _path;
    private FileStream _stream;

    private OperationJournalFile(string path, FileStream stream)
    {
        _path = path;
        _stream = stream;
    }

    /// <summary>What opening found: the records kept (in file order, at their final locations) and what was dropped.</summary>
    public sealed record Opened(OperationJournalFile File, IReadOnlyList<(string OperationId, RecordedOperation Record)> Records, int Expired, int Unreadable);

    /// <summary>The file's length in bytes: where the next record goes.</summary>
    public long Length { get; private set; }

    /// <summary>
    /// Opens (creating it, and its directory entry durably, when missing) and indexes the journal:
    /// the records not older than <paramref name="cutoff"/>, the first record of an id winning.
    /// The file is held with an exclusive lock (FileShare.None): a second agent on the same
    /// journal fails here with an <see cref="IOException"/>.
    /// </summary>
    public static Opened Open(string path, DateTimeOffset cutoff)
    {
        var existed = File.Exists(path);
        var stream = Lock(path);
        if (!existed)
        {
            SyncDirectory(path);
        }
        var file = new OperationJournalFile(path, stream);
        try
        {
            var records = new List<(string, RecordedOperation)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var methods = new List<string>();
            int expired = 0, unreadable = 0, repeated = 0;
            var torn = false;
            stream.Position = 0;
            ScanLines(stream, (line, offset, terminated) =>
            {
                torn |= !terminated;
                if (line.IsEmpty)
                {
                    return;
                }
                if (OperationRecordHeader.Read(line, new RecordLocation(offset, line.Length), methods) is not { } record)
                {
                    unreadable++;
                }
                else if (record.Record.At < cutoff)
                {
                    expired++;
                }
                else if (!seen.Add(record.OperationId))
                {
                    repeated++;
                }
                else
                {
                    records.Add(record);
                }
            });
            file.Length = stream.Length;
            if (expired > 0 || unreadable > 0 || repeated > 0 || torn)
            {
                records = file.Compact(records);
            }
            return new Opened(file, records, expired, unreadable);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Writes one record at the end and waits until it is on disk; where it went.</summary>
    public async Task<RecordLocation> AppendAsync(OperationRecord record)
    {
        var line = Serialize(record);
        var offset = Length;
        try
        {
            _stream.Position = offset;
            await _stream.WriteAsync(line);
            _stream.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // A partly written line would run into the next record: cut it off (best effort; a
            // line still torn on disk is dropped when the journal is next opened).
            TryTruncate(offset);
            throw;
        }
        Length = offset + line.Length;
        return new RecordLocation(offset, line.Length - 1);
    }

    /// <summary>The record at <paramref name="location"/>; null when the bytes there are not a record (the file was changed behind the journal).</summary>
    public OperationRecord? Read(RecordLocation location)
    {
        var line = ArrayPool<byte>.Shared.Rent(location.Length);
        try
        {
            var span = line.AsSpan(0, location.Length);
            return ReadAt(span, location.Offset) ? Parse(span) : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(line);
        }
    }

    /// <summary>
    /// Replaces the file with only <paramref name="records"/>' lines (copied as they are, in this
    /// order), atomically, and returns them at their new locations. Nothing is changed when it fails.
    /// </summary>
    public List<(string OperationId, RecordedOperation Record)> Compact(IReadOnlyList<(string OperationId, RecordedOperation Record)> records)
    {
        var temporary = _path + ".tmp";
        var moved = new List<(string, RecordedOperation)>(records.Count);
        long length = 0;
        // Locked from the start: once renamed it is the journal, and no moment passes unlocked.
        var replacement = Lock(temporary, FileMode.Create);
        try
        {
            // Lines are gathered into chunks: one write per chunk, not per line.
            var chunk = ArrayPool<byte>.Shared.Rent(ReadChunk);
            var used = 0;
            try
            {
                foreach (var (id, record) in records)
                {
                    var size = record.Location.Length + 1;
                    if (used + size > chunk.Length)
                    {
                        replacement.Write(chunk, 0, used);
                        used = 0;
                        if (size > chunk.Length)
                        {
                            ArrayPool<byte>.Shared.Return(chunk);
                            chunk = ArrayPool<byte>.Shared.Rent(size);
                        }
                    }
                    var line = chunk.AsSpan(used, size);
                    if (!ReadAt(line[..^1], record.Location.Offset))
                    {
                        throw new IOException($"{_path} ended before the record of operation {id}");
                    }
                    line[^1] = (byte)'\n';
                    used += size;
                    moved.Add((id, record with { Location = new RecordLocation(length, record.Location.Length) }));
                    length += size;
                }
                replacement.Write(chunk, 0, used);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
            replacement.Flush(flushToDisk: true);
            File.Move(temporary, _path, overwrite: true);
        }
        catch
        {
            replacement.Dispose();
            File.Delete(temporary);
            throw;
        }
        _stream.Dispose();
        _stream = replacement;
        Length = length;
        try
        {
            SyncDirectory(_path);
        }
        catch (IOException)
        {
            // The rename may not survive a crash: the old file is then the journal again, which
            // holds every record the new one does (and expired ones, dropped at the next open).
        }
        return moved;
    }

    public void Dispose() => _stream.Dispose();

    public static byte[] Serialize(OperationRecord record)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(record, OperationRecordJson.Default.OperationRecord);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    public static OperationRecord? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            var record = JsonSerializer.Deserialize(line, OperationRecordJson.Default.OperationRecord);
            return record is { IsWellFormed: true } ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A line's bytes (without its newline), its offset, and whether a newline ended it (only the last line may lack one).</summary>
    private delegate void LineHandler(ReadOnlySpan<byte> line, long offset, bool terminated);

    /// <summary>Reads <paramref name="stream"/> from its position to its end in chunks, line by line, without holding more than a chunk (or the longest line).</summary>
    private static void ScanLines(Stream stream, LineHandler handler)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadChunk);
        try
        {
            long bufferOffset = stream.Position;
            int start = 0, end = 0;
            while (true)
            {
                var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    handler(buffer.AsSpan(start, newline), bufferOffset + start, terminated: true);
                    start += newline + 1;
                    continue;
                }
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    bufferOffset += start;
                    end -= start;
                    start = 0;
                }
                if (end == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, larger, 0, end);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = stream.Read(buffer, end, buffer.Length - end);
                if (read == 0)
                {
                    if (end > start)
                    {
                        handler(buffer.AsSpan(start, end - start), bufferOffset + start, terminated: false);
                    }
                    return;
                }
                end += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> exclusively, readable and writable by the agent's user only:
    /// the journal holds the requests' parameters and outcomes. A file of an older version, made
    /// under a lax umask, is narrowed too.
    /// </summary>
    private static FileStream Lock(string path, FileMode mode = FileMode.OpenOrCreate)
    {
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = mode,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = 0,
            UnixCreateMode = JournalFileMode,
        });
        try
        {
            if (File.GetUnixFileMode(stream.SafeFileHandle) != JournalFileMode)
            {
                File.SetUnixFileMode(stream.SafeFileHandle, JournalFileMode);
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return stream;
    }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/> (pread: the append position is not moved); false at the file's end.</summary>
    private bool ReadAt(Span<byte> destination, long offset)
    {
        var read = 0;
        while (read < destination.Length)
        {
            var n = RandomAccess.Read(_stream.SafeFileHandle, destination[read..], offset + read);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }

    private void TryTruncate(long length)
    {
        try
        {
            _stream.SetLength(length);
        }
        catch (IOException)
        {
            // Left as it is: see the caller.
        }
    }

    /// <summary>fsync of the directory holding <paramref name="path"/>: a created or renamed name is durable only then.</summary>
    private static void SyncDirectory(string path) => LinuxNative.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
}
