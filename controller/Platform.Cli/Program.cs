using System.CommandLine;
using System.CommandLine.Help;
using Platform.Cli;

var root = CliApp.Build();
var parse = root.Parse(args);
if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"platformctl: {error.Message}");
    }
    Console.Error.WriteLine("Try 'platformctl --help' (or --help after any command).");
    return (int)ExitCode.BadInput;
}
return await parse.InvokeAsync();
