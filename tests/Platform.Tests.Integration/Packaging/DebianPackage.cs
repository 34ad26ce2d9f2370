using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Packaging;

/// <summary>One entry of <c>dpkg-deb --contents</c>: mode string, owner/group, path without the leading '.'.</summary>
internal sealed record PackageEntry(string Mode, string Owner, string Path)
{
    public bool IsDirectory => Mode[0] == 'd';
}

/// <summary>A built .deb as dpkg-deb reads it.</summary>
internal sealed partial class DebianPackage(string path)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    public string Path { get; } = path;

    public async Task<string> FieldAsync(string name) =>
        (await ChildProcess.OutputOfAsync("dpkg-deb", "--field", Path, name)).Trim();

    /// <summary>The control member <paramref name="member"/> (conffiles, postinst, ...), as dpkg-deb --info prints it.</summary>
    public async Task<string> ControlMemberAsync(string member) =>
        (await ChildProcess.RunAsync("dpkg-deb", ["--info", Path, member], Timeout)).EnsureSuccess().StandardOutput;

    public async Task<IReadOnlyList<PackageEntry>> ContentsAsync()
    {
        var listing = (await ChildProcess.RunAsync("dpkg-deb", ["--contents", Path], Timeout)).EnsureSuccess().StandardOutput;
        var entries = new List<PackageEntry>();
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // drwxr-xr-x root/root         0 2026-12-06 21:26 ./usr/lib/   (symlinks: "./a -> b")
            var match = ContentsLine().Match(line);
            Assert.That(match.Success, Is.True, $"unexpected dpkg-deb --contents line: {line}");
            var entryPath = match.Groups["path"].Value.Split(" -> ")[0];
            entries.Add(new PackageEntry(match.Groups["mode"].Value, match.Groups["owner"].Value, entryPath == "/" ? entryPath : entryPath.TrimEnd('/')));
        }
        return entries;
    }

    /// <summary>The text of the regular file <paramref name="entryPath"/> (as <see cref="PackageEntry.Path"/> names it) in the package's data.</summary>
    public async Task<string> FileTextAsync(string entryPath) =>
        (await ChildProcess.RunAsync("bash", ["-o", "pipefail", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -xOf - \".$2\"", "bash", Path, entryPath], Timeout))
            .EnsureSuccess().StandardOutput;

    /// <summary>
    /// The paths of a systemd unit's <c>Documentation=</c> entries that are files of the system:
    /// <c>file://</c> URIs as they are, <c>man:NAME(N)</c> as its gzipped page in /usr/share/man.
    /// Web addresses name nothing a package installs and are left out.
    /// </summary>
    public static IReadOnlyList<string> DocumentationFiles(string unit) =>
        unit.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("Documentation=", StringComparison.Ordinal))
            .SelectMany(line => line["Documentation=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(uri => uri.StartsWith("file://", StringComparison.Ordinal) ? uri["file://".Length..]
                : ManPage().Match(uri) is { Success: true } man ? $"/usr/share/man/man{man.Groups["section"].Value}/{man.Groups["name"].Value}.{man.Groups["section"].Value}.gz"
                : null)
            .OfType<string>()
            .ToList();

    /// <summary>The names in a Depends/Recommends field, without versions or alternatives.</summary>
    public static IReadOnlyList<string> PackageNames(string relationField) =>
        relationField.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(relation => relation.Split([' ', '(', '|'], 2)[0])
            .ToList();

    [GeneratedRegex(@"^man:(?<name>[^()\s]+)\((?<section>[1-9])\)$")]
    private static partial Regex ManPage();

    [GeneratedRegex(@"^(?<mode>[-dlcbps][-rwxsStT]{9})\s+(?<owner>\S+)\s+\d+\s+\S+\s+\S+\s+\.(?<path>/.*)$")]
    private static partial Regex ContentsLine();
}
