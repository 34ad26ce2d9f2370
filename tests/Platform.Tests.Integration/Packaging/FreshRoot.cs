using System.Globalization;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Packaging;

/// <summary>A passwd entry of the fresh root.</summary>
internal sealed record RootUser(string Name, int Uid, int Gid, string Home, string Shell);

/// <summary>
/// A throwaway root made by <c>packaging/deb/fresh-root.sh</c>: its own /etc and /var, the
/// host's /usr under an overlay whose writes land in <see cref="UsrLayer"/>. dpkg installs
/// into it with --root and runs the maintainer scripts chrooted into it.
/// </summary>
internal sealed class FreshRoot
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private FreshRoot(string baseDirectory) => BaseDirectory = baseDirectory;

    public string BaseDirectory { get; }

    /// <summary>The root as its chrooted programs see it, except /usr.</summary>
    public string Root => Path.Combine(BaseDirectory, "root");

    /// <summary>What was installed under /usr: /usr/lib/X of the root is <c>UsrLayer/lib/X</c> here.</summary>
    public string UsrLayer => Path.Combine(BaseDirectory, "usr");

    private static string Script => Path.Combine(TestEnvironment.RepositoryRoot, "packaging", "deb", "fresh-root.sh");

    public static async Task<FreshRoot> CreateAsync(string baseDirectory)
    {
        (await ChildProcess.RunAsync(Script, ["create", baseDirectory], Timeout)).EnsureSuccess();
        return new FreshRoot(baseDirectory);
    }

    /// <summary><c>dpkg --root=ROOT <paramref name="arguments"/></c>.</summary>
    public Task<ProcessResult> DpkgAsync(params string[] arguments) =>
        ChildProcess.RunAsync(Script, ["dpkg", BaseDirectory, .. arguments], Timeout);

    /// <summary>A command chrooted into the root, /usr and all.</summary>
    public Task<ProcessResult> RunAsync(params string[] command) =>
        ChildProcess.RunAsync(Script, ["run", BaseDirectory, .. command], Timeout);

    /// <summary><c>stat -c "%U:%G %a"</c> of <paramref name="path"/> inside the root: owner and group by the root's own names.</summary>
    public async Task<string> OwnerAndModeAsync(string path) =>
        (await RunAsync("stat", "-c", "%U:%G %a", path)).EnsureSuccess().StandardOutput.Trim();

    public async Task<bool> ExistsAsync(string path) =>
        (await RunAsync("test", "-e", path)).ExitCode == 0;

    /// <summary>The user <paramref name="name"/> of the root's /etc/passwd, or null.</summary>
    public RootUser? User(string name)
    {
        foreach (var line in File.ReadLines(Path.Combine(Root, "etc", "passwd")))
        {
            var fields = line.Split(':');
            if (fields.Length == 7 && fields[0] == name)
            {
                return new RootUser(name, int.Parse(fields[2], CultureInfo.InvariantCulture),
                    int.Parse(fields[3], CultureInfo.InvariantCulture), fields[5], fields[6]);
            }
        }
        return null;
    }

    /// <summary>The name of group <paramref name="gid"/> in the root's /etc/group, or null.</summary>
    public string? GroupName(int gid) =>
        File.ReadLines(Path.Combine(Root, "etc", "group"))
            .Select(line => line.Split(':'))
            .FirstOrDefault(fields => fields.Length >= 3 && fields[2] == gid.ToString(CultureInfo.InvariantCulture))?[0];
}
