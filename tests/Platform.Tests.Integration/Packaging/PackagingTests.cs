using System.Net;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Packaging;

/// <summary>
/// <c>./platform package</c> end to end: the two .debs are built once, read with dpkg-deb,
/// checked by lintian, installed with dpkg into a fresh root (packaging/deb/fresh-root.sh),
/// whose units pass systemd-analyze and whose controller then serves /healthz on the test
/// PostgreSQL as its own unprivileged user; purging leaves nothing of them but the users.
/// The tests are one DependsOnTest chain, read-only checks first, then the reinstall, then the
/// purge: each checks what the one-time set-up installed, not what the test before it did, so
/// every link allows the one before to fail; the chain only fixes the order.
/// </summary>
[Category("Packaging")]
[NonParallelizable]
public partial class PackagingTests
{
    public static readonly string[] Daemons = ["controller", "agent"];

    /// <summary>
    /// Highest `systemd-analyze security` exposure each unit may reach, ×10 (its --threshold): a
    /// loosened unit fails. Measured 3.1 for the controller, 3.6 for the agent (CAP_SYS_ADMIN
    /// and /dev/fuse for the driver disk's mounts).
    /// </summary>
    private static readonly Dictionary<string, int> ExposureBudget = new() { ["controller"] = 35, ["agent"] = 40 };

    private static readonly Dictionary<string, string[]> OwnDependencies = new()
    {
        ["controller"] = ["libc6", "libstdc++6", "adduser", "libssl3"],
        ["agent"] = ["libc6", "libstdc++6", "adduser", "libssl3", "libvirt0", "librados2", "librbd1", "qemu-utils", "qemu-system-common", "ntfs-3g", "7zip"],
    };

    /// <summary>libvirtd's socket and /dev/kvm belong to these groups.</summary>
    private static readonly string[] AgentGroups = ["libvirt", "kvm"];

    private string _work = null!;
    private string _version = null!;
    private readonly Dictionary<string, DebianPackage> _packages = [];
    private FreshRoot _root = null!;
    private ProcessResult _install = null!;

    [OneTimeSetUp]
    public async Task BuildAndInstallAsync()
    {
        foreach (var program in new[] { "dpkg-deb", "dpkg-shlibdeps", "lintian", "systemd-analyze", "unshare", "setpriv" })
        {
            TestEnvironment.RequireFile(Path.Combine("/usr/bin", program), $"{program} (packaging/scripts/install-deps.sh installs it)");
        }
        _version = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "VERSION")).Trim();
        _work = Directory.CreateDirectory(Path.Combine(TestEnvironment.StateDirectory, "tests", "packaging-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        // The installed controller runs as its own user and must reach its files in here.
        File.SetUnixFileMode(Path.GetDirectoryName(_work)!, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(_work, (UnixFileMode)0b111_101_101);

        // gzip: lintian reads nothing else but xz, which takes three times as long to pack.
        var dist = Path.Combine(_work, "dist");
        (await ChildProcess.RunAsync(Path.Combine(TestEnvironment.RepositoryRoot, "platform"),
            ["package", "--output", dist, "--compression", "gzip"], TimeSpan.FromMinutes(15))).EnsureSuccess();
        foreach (var daemon in Daemons)
        {
            var deb = Path.Combine(dist, $"platform-{daemon}_{_version}_amd64.deb");
            Assert.That(File.Exists(deb), Is.True, $"{deb} built");
            _packages[daemon] = new DebianPackage(deb);
        }

        _root = await FreshRoot.CreateAsync(Path.Combine(_work, "fresh-root"));
        // As on a compute host where libvirt came first: the agent's user joins their groups.
        foreach (var group in AgentGroups)
        {
            (await _root.RunAsync("addgroup", "--system", group)).EnsureSuccess();
        }
        _install = await _root.DpkgAsync(["--install", .. _packages.Values.Select(p => p.Path)]);
    }

    [OneTimeTearDown]
    public async Task RemoveWorkDirectoryAsync()
    {
        if (_work is null || !Directory.Exists(_work))
        {
            return;
        }
        // What a failed driver-disk run may have left: its tools (by PID: those naming the work
        // directory on their command line) and its mounts.
        foreach (var pid in ProcessesNaming(_work))
        {
            try
            {
                using var leftover = System.Diagnostics.Process.GetProcessById(pid);
                leftover.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
        foreach (var mountPoint in File.ReadAllLines("/proc/self/mountinfo").Select(line => line.Split(' ')[4]).Where(m => m.StartsWith(_work + "/", StringComparison.Ordinal)).Reverse())
        {
            await ChildProcess.RunAsync("umount", ["-l", mountPoint], TimeSpan.FromSeconds(30));
        }
        Directory.Delete(_work, recursive: true);
    }

    [Test, TestCaseSource(nameof(Daemons))]
    public async Task Package_names_its_version_dependencies_and_conffile(string daemon)
    {
        var package = _packages[daemon];
        var name = await package.FieldAsync("Package");
        var version = await package.FieldAsync("Version");
        var architecture = await package.FieldAsync("Architecture");
        var depends = DebianPackage.PackageNames(await package.FieldAsync("Depends"));
        var conffiles = (await package.ControlMemberAsync("conffiles")).Trim();
        var postinst = await package.ControlMemberAsync("postinst");
        Assert.Multiple(() =>
        {
            Assert.That(name, Is.EqualTo($"platform-{daemon}"));
            Assert.That(version, Is.EqualTo(_version), "the version is VERSION's");
            Assert.That(architecture, Is.EqualTo("amd64"));
            Assert.That(depends, Is.SupersetOf(OwnDependencies[daemon]));
            Assert.That(depends, Has.None.StartsWith("dotnet").And.None.StartsWith("aspnetcore"), "self-contained: no .NET runtime package");
            Assert.That(conffiles, Is.EqualTo($"/etc/platform/{daemon}.json"));
            Assert.That(postinst, Does.Contain("adduser --system"));
        });
    }

    [Test, TestCaseSource(nameof(Daemons)), DependsOnTest(nameof(Package_names_its_version_dependencies_and_conffile), AllowFailure = true)]
    public async Task Package_holds_root_owned_files_only_where_they_belong(string daemon)
    {
        var package = $"platform-{daemon}";
        var entries = await _packages[daemon].ContentsAsync();
        string[] parents = ["/", "/etc", "/lib", "/lib/systemd", "/lib/systemd/system", "/usr", "/usr/lib", "/usr/share", "/usr/share/doc", "/usr/share/lintian", "/usr/share/lintian/overrides"];
        string[] places = [$"/usr/lib/{package}/", $"/usr/share/doc/{package}/"];
        string[] files = [$"/lib/systemd/system/{package}.service", $"/etc/platform/{daemon}.json", "/etc/platform", $"/usr/share/lintian/overrides/{package}", $"/usr/lib/{package}", $"/usr/share/doc/{package}"];
        // The operator CLI comes with the controller: beside it, on the PATH, with its manual page.
        string[] cli = ["/usr/bin", "/usr/bin/platformctl", "/usr/share/man", "/usr/share/man/man1", "/usr/share/man/man1/platformctl.1.gz"];
        if (daemon == "controller")
        {
            files = [.. files, .. cli];
        }
        var byPath = entries.ToDictionary(e => e.Path);
        var executable = $"/usr/lib/{package}/Platform.{char.ToUpperInvariant(daemon[0])}{daemon[1..]}";
        var unit = $"/lib/systemd/system/{package}.service";
        var documentation = DebianPackage.DocumentationFiles(await _packages[daemon].FileTextAsync(unit));

        Assert.Multiple(() =>
        {
            Assert.That(entries.Where(e => e.Owner != "root/root").Select(e => e.Path), Is.Empty, "entries not owned by root");
            Assert.That(entries.Select(e => e.Path).Where(p => !parents.Contains(p) && !files.Contains(p) && !places.Any(p.StartsWith)), Is.Empty,
                "entries outside the package's places (state directories are made by postinst, not shipped)");
            // A symbolic link's mode is always lrwxrwxrwx and means nothing; its target's counts.
            Assert.That(entries.Where(e => e.Mode[0] != 'l' && (e.Mode[8] == 'w' || e.Mode.Contains('s', StringComparison.Ordinal))).Select(e => e.Path), Is.Empty,
                "world-writable or setuid/setgid entries");
            Assert.That(byPath.TryGetValue(executable, out var main) ? main.Mode : "absent", Is.EqualTo("-rwxr-xr-x"), executable);
            Assert.That(byPath.TryGetValue($"/usr/lib/{package}/libcoreclr.so", out var runtime) ? runtime.Mode : "absent", Is.EqualTo("-rw-r--r--"), "the bundled runtime");
            // systemctl help opens these: each must be a file the package itself installs.
            Assert.That(documentation, Is.Not.Empty, $"{unit} names its documentation");
            Assert.That(documentation.Where(path => !byPath.TryGetValue(path, out var entry) || entry.IsDirectory), Is.Empty,
                $"Documentation= files of {unit} that the package does not install");
            Assert.That(byPath.ContainsKey($"/usr/share/doc/{package}/copyright"), Is.True, "copyright");
            Assert.That(byPath.ContainsKey($"/usr/share/doc/{package}/changelog.gz"), Is.True, "changelog.gz");
            Assert.That(byPath.TryGetValue($"/usr/lib/{package}/platformctl", out var platformctl) ? platformctl.Mode : "absent",
                Is.EqualTo(daemon == "controller" ? "-rwxr-xr-x" : "absent"), "platformctl");
            Assert.That(byPath.TryGetValue("/usr/bin/platformctl", out var onPath) ? onPath.Mode[0] : '-',
                Is.EqualTo(daemon == "controller" ? 'l' : '-'), "/usr/bin/platformctl, a symlink");
        });
    }

    [Test, DependsOnTest(nameof(Package_holds_root_owned_files_only_where_they_belong), AllowFailure = true)]
    public async Task Lintian_reports_no_errors_or_warnings_and_every_override_is_justified_and_used()
    {
        // Info tags are shown too: an override that no longer matches is one (unused-override).
        var result = await ChildProcess.RunAsync("lintian", ["--fail-on", "error,warning", "--display-info", .. _packages.Values.Select(p => p.Path)], TimeSpan.FromMinutes(5));
        var tags = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var overrides = Daemons.ToDictionary(d => d, d => File.ReadAllLines(Path.Combine(TestEnvironment.RepositoryRoot, "packaging", "deb", $"platform-{d}", "lintian-overrides")));
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, () => $"lintian: {result.StandardOutput} {result.StandardError}");
            Assert.That(tags.Where(t => t.StartsWith("E: ", StringComparison.Ordinal) || t.StartsWith("W: ", StringComparison.Ordinal)), Is.Empty);
            Assert.That(tags.Where(t => t.Contains("unused-override", StringComparison.Ordinal) || t.Contains("mismatched-override", StringComparison.Ordinal)), Is.Empty, "stale overrides");
            foreach (var (daemon, lines) in overrides)
            {
                for (var i = 0; i < lines.Length; i++)
                {
                    if (lines[i].Length > 0 && lines[i][0] != '#')
                    {
                        Assert.That(i > 0 && lines[i - 1].StartsWith('#'), Is.True, $"platform-{daemon} override '{lines[i]}' has no comment above it saying why");
                    }
                }
            }
        });
    }

    [Test, TestCaseSource(nameof(Daemons)), DependsOnTest(nameof(Lintian_reports_no_errors_or_warnings_and_every_override_is_justified_and_used), AllowFailure = true)]
    public async Task Installation_lays_down_the_user_directories_conffile_and_enabled_unit(string daemon)
    {
        AssertInstalled();
        var package = $"platform-{daemon}";
        var user = _root.User(package);
        Assert.That(user, Is.Not.Null, $"{package} in the root's /etc/passwd");
        var unit = $"/lib/systemd/system/{package}.service";
        var enabled = await _root.RunAsync("readlink", $"/etc/systemd/system/multi-user.target.wants/{package}.service");
        var status = await _root.RunAsync("dpkg-query", "--show", "--showformat=${Status} ${Version}", package);
        var groups = (await _root.RunAsync("id", "-nG", package)).EnsureSuccess().StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var stateDirectory = await _root.OwnerAndModeAsync($"/var/lib/{package}");
        var conffile = await _root.OwnerAndModeAsync($"/etc/platform/{daemon}.json");
        var unitFile = await _root.OwnerAndModeAsync(unit);
        var cacheDirectory = daemon == "agent" ? await _root.OwnerAndModeAsync("/var/cache/platform-agent") : null;

        Assert.Multiple(() =>
        {
            Assert.That(user!.Uid, Is.InRange(100, 999), "a system user");
            Assert.That(_root.GroupName(user.Gid), Is.EqualTo(package), "its own group");
            Assert.That(user.Home, Is.EqualTo($"/var/lib/{package}"));
            Assert.That(user.Shell, Is.EqualTo("/usr/sbin/nologin"));
            Assert.That(status.StandardOutput, Is.EqualTo($"install ok installed {_version}"));
            Assert.That(stateDirectory, Is.EqualTo($"{package}:{package} 750"), "state directory");
            Assert.That(conffile, Is.EqualTo($"root:{package} 640"), "the conffile, readable by the daemon's group only");
            Assert.That(unitFile, Is.EqualTo("root:root 644"));
            Assert.That(enabled.StandardOutput.Trim(), Is.EqualTo(unit), "enabled for multi-user.target");
            Assert.That(groups, daemon == "agent" ? Is.SupersetOf(AgentGroups) : Is.EqualTo(new[] { package }), "supplementary groups");
            if (cacheDirectory is not null)
            {
                Assert.That(cacheDirectory, Is.EqualTo("platform-agent:platform-agent 755"), "cache directory, reachable by libvirt's qemu");
            }
        });
    }

    [Test, TestCaseSource(nameof(Daemons)), DependsOnTest(nameof(Installation_lays_down_the_user_directories_conffile_and_enabled_unit), AllowFailure = true)]
    public async Task Unit_passes_systemd_analyze_and_keeps_its_hardening(string daemon)
    {
        AssertInstalled();
        var package = $"platform-{daemon}";
        var unit = $"/lib/systemd/system/{package}.service";
        // Inside the root: ExecStart= and User= resolve against what the packages installed.
        var verify = await _root.RunAsync("systemd-analyze", "verify", unit);
        var security = await _root.RunAsync("systemd-analyze", "security", "--offline=true", "--no-pager",
            $"--threshold={ExposureBudget[daemon]}", unit);
        var settings = UnitSettings(await File.ReadAllTextAsync(Path.Combine(_root.UsrLayer, "lib", "systemd", "system", $"{package}.service")));

        Assert.Multiple(() =>
        {
            Assert.That(verify.ExitCode, Is.Zero, () => verify.StandardError);
            Assert.That(verify.StandardError + verify.StandardOutput, Is.Empty, "systemd-analyze verify has nothing to say (unknown keys are only warnings)");
            Assert.That(security.ExitCode, Is.Zero, () => $"exposure above {ExposureBudget[daemon] / 10.0}: {security.StandardOutput}");
            Assert.That(settings["User"], Is.EqualTo(new[] { package }));
            Assert.That(settings["ExecStart"], Is.EqualTo(new[] { $"/usr/lib/{package}/Platform.{char.ToUpperInvariant(daemon[0])}{daemon[1..]}" }));
            Assert.That(settings["Type"], Is.EqualTo(new[] { "notify" }));
            Assert.That(settings["WatchdogSec"], Is.EqualTo(new[] { "30s" }));
            Assert.That(settings["ProtectSystem"], Is.EqualTo(new[] { "strict" }));
            Assert.That(settings["NoNewPrivileges"], Is.EqualTo(new[] { "yes" }));
            Assert.That(settings["ReadWritePaths"].Count(), Is.EqualTo(1));
            Assert.That(settings["CapabilityBoundingSet"], Is.EqualTo(new[] { daemon == "agent" ? "CAP_SYS_ADMIN" : "" }),
                "no capabilities but the agent's CAP_SYS_ADMIN for the driver disk's FUSE mounts");
        });
    }

    [Test, DependsOnTest(nameof(Installed_agent_mounts_the_driver_disk_as_its_own_user_with_only_CAP_SYS_ADMIN), AllowFailure = true)]
    public async Task Reinstalling_keeps_the_users_and_an_edited_conffile()
    {
        AssertInstalled();
        var before = Daemons.ToDictionary(d => d, d => _root.User($"platform-{d}"));
        var conffile = Path.Combine(_root.Root, "etc", "platform", "controller.json");
        const string Edit = "// edited by the administrator\n";
        await File.AppendAllTextAsync(conffile, Edit);

        var again = await _root.DpkgAsync(["--install", .. _packages.Values.Select(p => p.Path)]);
        var mode = await _root.OwnerAndModeAsync("/etc/platform/controller.json");
        var text = await File.ReadAllTextAsync(conffile);

        Assert.Multiple(() =>
        {
            Assert.That(again.ExitCode, Is.Zero, () => again.StandardOutput + again.StandardError);
            Assert.That(Daemons.ToDictionary(d => d, d => _root.User($"platform-{d}")), Is.EqualTo(before), "the same users, uids and all");
            Assert.That(text, Does.EndWith(Edit), "dpkg keeps an edited conffile the package did not change");
            Assert.That(mode, Is.EqualTo("root:platform-controller 640"));
        });
    }

    [Test, DependsOnTest(nameof(Reinstalling_keeps_the_users_and_an_edited_conffile), AllowFailure = true)]
    public async Task Purge_removes_files_state_conffiles_and_units_but_keeps_the_users()
    {
        AssertInstalled();
        var purge = await _root.DpkgAsync(["--purge", .. Daemons.Select(d => $"platform-{d}")]);
        Assert.That(purge.ExitCode, Is.Zero, () => purge.StandardOutput + purge.StandardError);
        string[] gone =
        [
            "/usr/lib/platform-controller", "/usr/lib/platform-agent", "/etc/platform",
            "/var/lib/platform-controller", "/var/lib/platform-agent", "/var/cache/platform-agent",
            "/lib/systemd/system/platform-controller.service", "/lib/systemd/system/platform-agent.service",
            "/etc/systemd/system/multi-user.target.wants/platform-controller.service",
            "/etc/systemd/system/multi-user.target.wants/platform-agent.service",
        ];
        var left = new List<string>();
        foreach (var path in gone)
        {
            if (await _root.ExistsAsync(path))
            {
                left.Add(path);
            }
        }
        Assert.Multiple(() =>
        {
            Assert.That(left, Is.Empty, "left after purge");
            Assert.That(Daemons.Select(d => _root.User($"platform-{d}")), Has.None.Null, "system users stay (Debian does not remove them)");
        });
    }

    private static List<int> ProcessesNaming(string path)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(directory), out var pid) && pid != Environment.ProcessId
                    && File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(path, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process exited while we looked.
            }
        }
        return found;
    }

    private void AssertInstalled() =>
        Assert.That(_install.ExitCode, Is.Zero, () => $"dpkg --install into the fresh root: {_install.StandardOutput} {_install.StandardError}");

    /// <summary>Key=value lines of a unit file, every value of a key in order.</summary>
    private static ILookup<string, string> UnitSettings(string unit) =>
        unit.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && line[0] is not ('#' or ';' or '[') && line.Contains('=', StringComparison.Ordinal))
            .ToLookup(line => line[..line.IndexOf('=', StringComparison.Ordinal)], line => line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..]);
}
