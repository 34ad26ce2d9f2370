using Microsoft.Extensions.Options;
using Platform.Common.Hosting;

namespace Platform.Controller.Security;

/// <summary>
/// The first admin, made at start from <see cref="SecurityOptions.InitialAdminPasswordFile"/>
/// while the inventory has no user at all (<c>./platform up</c> writes that file, 0600, and
/// prints the password once). Once any user exists the file is not read again: changing it
/// changes nobody's password.
/// </summary>
internal static partial class InitialAdmin
{
    public static async Task CreateInitialAdminAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(InitialAdmin));
        var users = app.Services.GetRequiredService<UserStore>();
        var ct = app.Lifetime.ApplicationStopping;
        if ((await users.ListAsync(ct)).Count > 0)
        {
            return;
        }
        if (options.InitialAdminPasswordFile is not { Length: > 0 } file)
        {
            LogNoUser(logger, SecurityOptions.Section);
            return;
        }
        var password = ReadPassword(file);
        if (await users.CreateFirstAdminAsync(options.InitialAdminName, PasswordHashing.Hash(password), ct))
        {
            LogCreated(logger, options.InitialAdminName, file);
        }
    }

    private static string ReadPassword(string file)
    {
        string password;
        try
        {
            if ((File.GetUnixFileMode(file) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw Misconfigured($"{file} is readable or writable by every user; make it 0600 (chmod 600 {file})");
            }
            password = File.ReadAllText(file).TrimEnd('\r', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Misconfigured($"cannot read {file}: {e.Message}");
        }
        if (password.Length < SecurityOptions.MinimumPasswordLength || password.Contains('\n', StringComparison.Ordinal))
        {
            throw Misconfigured($"{file} must hold one line of at least {SecurityOptions.MinimumPasswordLength} characters");
        }
        return password;
    }

    private static StartupFailureException Misconfigured(string problem) =>
        new($"{SecurityOptions.Section}:{nameof(SecurityOptions.InitialAdminPasswordFile)}: {problem}", StartupFailure.ConfigurationExitCode);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Created the first admin {Name} with the password in {File}")]
    private static partial void LogCreated(ILogger logger, string name, string file);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning,
        Message = "There is no user yet, so nobody can sign in: set {Section}:InitialAdminPasswordFile to a file holding the first admin's password and restart")]
    private static partial void LogNoUser(ILogger logger, string section);
}
