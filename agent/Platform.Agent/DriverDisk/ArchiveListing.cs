using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.Agent.DriverDisk;

/// <summary>One entry of an archive as `7zz l -slt` lists it.</summary>
internal sealed record ArchiveEntry(string Path, bool IsFolder, long? Size, IReadOnlyDictionary<string, string> Properties)
{
    public string? Property(string key) => Properties.TryGetValue(key, out var value) ? value : null;
}

/// <summary>What `7zz l -slt` said about a file: its type (by content), its entries, and anything wrong.</summary>
internal sealed record ArchiveListing(
    string? Type,
    long? Offset,
    IReadOnlyList<ArchiveEntry> Entries,
    int EntryCount,
    IReadOnlyList<string> Problems)
{
    /// <summary>More entries than the parser was told to keep (<see cref="Entries"/> holds only that many).</summary>
    public bool Truncated => EntryCount > Entries.Count;
}

/// <summary>
/// Reads `7zz l -slt` output line by line. The layout: a preamble, "--", the archive's own
/// properties ("Type = zip", possibly "ERRORS:"/"WARNINGS:" followed by messages), a line of ten
/// dashes, then one block of "Key = Value" lines per entry, each starting with "Path = ".
/// </summary>
/// <remarks>
/// The parser is strict because names and comments come from the archive: a name or comment with
/// line breaks could otherwise forge properties. Every line must be a property, blank, or a
/// known 7-Zip message; a separator seen twice or a property repeated within one entry makes the
/// listing unusable (reported in <see cref="ArchiveListing.Problems"/>). For archive properties
/// the first occurrence counts, since 7-Zip prints Path and Type before any comment.
/// </remarks>
internal sealed partial class ArchiveListingParser(int maxEntries)
{
    private const string HeaderSeparator = "--";
    private const string EntriesSeparator = "----------";

    private readonly Dictionary<string, string> _archive = new(StringComparer.Ordinal);
    private readonly List<ArchiveEntry> _entries = [];
    private readonly List<string> _problems = [];
    private Section _section = Section.Preamble;
    private Dictionary<string, string>? _current;
    private string? _messageKind;
    private int _entryCount;

    private enum Section
    {
        Preamble,
        Archive,
        Entries,
    }

    /// <summary>Entries seen so far (kept or not).</summary>
    public int EntryCount => _entryCount + (_current is null ? 0 : 1);

    public static ArchiveListing Parse(string output, int maxEntries)
    {
        var parser = new ArchiveListingParser(maxEntries);
        foreach (var line in output.Split('\n'))
        {
            parser.Feed(line.TrimEnd('\r'));
        }
        return parser.Finish();
    }

    public void Feed(string line)
    {
        if (line == HeaderSeparator)
        {
            if (_section != Section.Preamble)
            {
                Problem("the listing repeats its '--' separator (a name or comment with line breaks?)");
            }
            _section = Section.Archive;
            return;
        }
        if (line == EntriesSeparator)
        {
            if (_section != Section.Archive)
            {
                Problem("the listing repeats its entry separator (a name or comment with line breaks?)");
            }
            _section = Section.Entries;
            _messageKind = null;
            return;
        }
        switch (_section)
        {
            case Section.Preamble:
                if (line.StartsWith("ERROR", StringComparison.Ordinal) || line.StartsWith("WARNING", StringComparison.Ordinal))
                {
                    Problem(line);
                }
                return;
            case Section.Archive:
                FeedArchive(line);
                return;
            default:
                FeedEntries(line);
                return;
        }
    }

    public ArchiveListing Finish()
    {
        CloseEntry();
        long? offset = null;
        if (_archive.TryGetValue("Offset", out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            offset = parsed;
        }
        if (_section == Section.Preamble)
        {
            Problem("7-Zip listed no archive");
        }
        return new ArchiveListing(_archive.GetValueOrDefault("Type"), offset, _entries, _entryCount, _problems);
    }

    private void FeedArchive(string line)
    {
        if (line is "ERRORS:" or "WARNINGS:")
        {
            _messageKind = line[..^1].ToLowerInvariant();
            return;
        }
        if (Property().Match(line) is { Success: true } property)
        {
            _messageKind = null;
            _archive.TryAdd(property.Groups[1].Value, property.Groups[2].Value);
            return;
        }
        if (_messageKind is not null && line.Length > 0)
        {
            Problem($"7-Zip {_messageKind}: {line}");
        }
        // Anything else belongs to a multi-line archive comment (ISO volume descriptors): ignored.
    }

    private void FeedEntries(string line)
    {
        if (line.Length == 0)
        {
            CloseEntry();
            return;
        }
        if (Property().Match(line) is { Success: true } property)
        {
            var key = property.Groups[1].Value;
            var value = property.Groups[2].Value;
            if (key == "Path")
            {
                CloseEntry();
                _current = new Dictionary<string, string>(StringComparer.Ordinal) { ["Path"] = value };
                return;
            }
            if (_current is null)
            {
                Problem($"the listing has a property outside an entry: {Shorten(line)}");
                return;
            }
            if (!_current.TryAdd(key, value))
            {
                Problem($"entry '{Shorten(_current["Path"])}' lists '{key}' twice (a name or comment with line breaks?)");
            }
            return;
        }
        if (line.StartsWith("Errors:", StringComparison.Ordinal) || line.StartsWith("Warnings:", StringComparison.Ordinal)
            || line.StartsWith("ERROR", StringComparison.Ordinal) || line.StartsWith("WARNING", StringComparison.Ordinal)
            || line.StartsWith("Sub items Errors", StringComparison.Ordinal) || line.StartsWith("Archives with Errors", StringComparison.Ordinal))
        {
            Problem($"7-Zip: {line}");
            return;
        }
        Problem($"the listing has an unexpected line: {Shorten(line)}");
    }

    private void CloseEntry()
    {
        if (_current is null)
        {
            return;
        }
        var properties = _current;
        _current = null;
        _entryCount++;
        if (_entries.Count >= maxEntries)
        {
            return;
        }
        var path = properties["Path"];
        if (!properties.TryGetValue("Folder", out var folder) || folder is not ("+" or "-"))
        {
            Problem($"entry '{Shorten(path)}' does not say whether it is a folder");
            return;
        }
        var isFolder = folder == "+";
        long? size = null;
        if (properties.TryGetValue("Size", out var sizeText) && long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            size = parsed;
        }
        _entries.Add(new ArchiveEntry(path, isFolder, size, properties));
    }

    private void Problem(string problem)
    {
        // Bounded: a hostile listing could otherwise fill memory with problems.
        if (_problems.Count < 100)
        {
            _problems.Add(problem);
        }
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..117] + "...";

    [GeneratedRegex("^([A-Za-z0-9][A-Za-z0-9 _-]*?) =(?: (.*))?$")]
    private static partial Regex Property();
}
