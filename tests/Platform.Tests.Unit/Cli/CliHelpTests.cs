using System.CommandLine;
using Platform.Cli;

namespace Platform.Tests.Unit.Cli;

/// <summary>
/// --help on every command and subcommand of platformctl. The commands are
/// walked from the CLI's own tree (<see cref="CliApp.Build"/>), so a command added later is
/// covered without a change here; each runs through <see cref="CliApp.RunAsync"/>, the
/// program's own entry.
/// </summary>
public class CliHelpTests
{
    [Test]
    public async Task Every_command_answers_help_with_a_usage_naming_it_and_exits_0()
    {
        var root = CliApp.Build();
        List<string[]> paths = [[], .. CommandPaths(root, [])];
        // The REST resources, their operations, login, agent, config, routes: far more than a handful.
        Assert.That(paths, Has.Count.GreaterThan(60), "commands found in the tree");

        var failures = new List<string>();
        foreach (var path in paths)
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var exit = await CliApp.RunAsync([.. path, "--help"], new InvocationConfiguration { Output = output, Error = error });
            var text = output.ToString();
            // "Usage:" then the command's whole path after the program's name (testhost here, platformctl when installed).
            var usage = string.Join(' ', [root.Name, .. path]);
            var usageLine = text.Split('\n').SkipWhile(l => !l.StartsWith("Usage:", StringComparison.Ordinal)).Skip(1).FirstOrDefault()?.Trim() ?? "";
            if (exit != 0 || !usageLine.StartsWith(usage, StringComparison.Ordinal) || (usageLine.Length > usage.Length && usageLine[usage.Length] != ' '))
            {
                failures.Add($"'{string.Join(' ', path)} --help' exited {exit}, usage line '{usageLine}' (wanted '{usage} …'); error: {error.ToString().Trim()}");
            }
        }

        Assert.That(failures, Is.Empty);
    }

    [Test]
    public async Task A_refused_command_line_exits_2_with_the_hint()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await CliApp.RunAsync(["volume", "explode"], new InvocationConfiguration { Output = output, Error = error });

        Assert.That(exit, Is.EqualTo((int)ExitCode.BadInput));
        Assert.That(error.ToString(), Does.StartWith("platformctl: ").And.Contain("Try 'platformctl --help'"));
        Assert.That(output.ToString(), Is.Empty);
    }

    /// <summary>
    /// The path of every command under <paramref name="command"/> (its own name excluded), depth
    /// first. Hidden commands (the route listing the tests read) are left out: the parser gives
    /// them no help by design, and they are not for operators.
    /// </summary>
    private static IEnumerable<string[]> CommandPaths(Command command, string[] prefix)
    {
        foreach (var subcommand in command.Subcommands.Where(c => !c.Hidden))
        {
            string[] path = [.. prefix, subcommand.Name];
            yield return path;
            foreach (var deeper in CommandPaths(subcommand, path))
            {
                yield return deeper;
            }
        }
    }
}
