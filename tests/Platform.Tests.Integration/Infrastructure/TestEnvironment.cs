namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// Where the throwaway services of a test run live. <c>./platform test</c> starts them under
/// <c>PLATFORM_TEST_STATE</c> (default <c>/var/lib/platform-test</c>); each component
/// publishes what its clients need as <c>NAME.env</c>, or leaves <c>NAME.failed</c> when it
/// could not start.
/// </summary>
internal static class TestEnvironment
{
    public static string StateDirectory { get; } =
        Environment.GetEnvironmentVariable("PLATFORM_TEST_STATE") ?? "/var/lib/platform-test";

    /// <summary>Under CI a missing component is a failure, never a skip.</summary>
    public static bool InCi { get; } =
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Scripts => Path.Combine(RepositoryRoot, "packaging", "scripts");

    /// <summary>The published daemons of this run (<c>./platform build</c> puts them there).</summary>
    public static string BinDirectory => Path.Combine(StateDirectory, "bin");

    /// <summary>The settings a running component published; fails (CI) or skips (elsewhere) the test when it is not running.</summary>
    public static ComponentSettings Require(string component)
    {
        var envFile = Path.Combine(StateDirectory, component + ".env");
        if (File.Exists(envFile))
        {
            return ComponentSettings.Load(envFile);
        }

        var failedFile = Path.Combine(StateDirectory, component + ".failed");
        var reason = File.Exists(failedFile)
            ? File.ReadAllText(failedFile)
            : $"{component} is not running (no {envFile}); run ./platform test, or packaging/scripts/env.sh start with PLATFORM_STATE={StateDirectory}";
        Unavailable(reason);
        throw new InvalidOperationException("unreachable");
    }

    public static string RequireFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            Unavailable($"{what} not found at {path}; run ./platform build with PLATFORM_STATE={StateDirectory}");
        }
        return path;
    }

    /// <summary>
    /// The test cannot do what it is for here: under CI=true that is a failure, nothing passes
    /// silently; on a developer's machine it is reported as ignored with the reason.
    /// </summary>
    public static void CannotRun(string reason) => Unavailable(reason);

    private static void Unavailable(string reason)
    {
        if (InCi)
        {
            Assert.Fail(reason);
        }
        Assert.Ignore(reason);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Platform.sln above {AppContext.BaseDirectory}");
    }
}
