using Platform.Agent.Linux;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Platform.Agent.Operations;

/// <summary>
/// The journal on disk: UTF-8 JSON lines, one <see cref="OperationRecord"/> each, appended and
/// fsync'd one at a time. A crash can only leave a torn last line, which loading skips; loading
/// then rewrites the file without it (and without expired records) through a fsync'd temporary
/// file renamed over the old one, so either the old or the new file survives a crash there too.
/// </summary>
internal static partial class OperationJournalFile
{
    public sealed record Loaded(IReadOnlyList<OperationRecord> Records, int Expired, int Unreadable);

    /// <summary>The records at <paramref name="path"/> not older than <paramref name="cutoff"/>; the first record of an id wins.</summary>
    public static Loaded Load(string path, DateTimeOffset cutoff)
    {
        var records = new List<OperationRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int expired = 0, unreadable = 0;
        if (!File.Exists(path))
        {
            return new Loaded(records, 0, 0);
        }
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            if (line.Length == 0)
            {
                continue;
            }
            var record = Parse(line);
            if (record is null)
            {
                unreadable++;
            }
            else if (record.At < cutoff)
            {
                expired++;
            }
            else if (seen.Add(record.OperationId))
            {
                records.Add(record);
            }
        }
        return new Loaded(records, expired, unreadable);
    }

    /// <summary>Replaces the file's content with <paramref name="records"/>, atomically.</summary>
    public static void Rewrite(string path, IEnumerable<OperationRecord> records)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var record in records)
            {
                file.Write(Serialize(record));
            }
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        SyncDirectory(path);
    }

    /// <summary>
    /// Opens the file for appending, creating it (and its directory entry, durably) when missing.
    /// FileShare.None takes an exclusive lock: a second agent on the same journal fails here.
    /// </summary>
    public static FileStream OpenForAppend(string path)
    {
        var existed = File.Exists(path);
        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
        if (!existed)
        {
            SyncDirectory(path);
        }
        return file;
    }

    /// <summary>Writes one record and waits until it is on disk.</summary>
    public static async Task AppendAsync(FileStream file, OperationRecord record)
    {
        await file.WriteAsync(Serialize(record));
        file.Flush(flushToDisk: true);
    }

    public static byte[] Serialize(OperationRecord record)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(record, OperationRecordJson.Default.OperationRecord);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    public static OperationRecord? Parse(string line)
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

    /// <summary>fsync of the directory holding <paramref name="path"/>: a created or renamed name is durable only then.</summary>
    private static void SyncDirectory(string path) => LinuxNative.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
}
