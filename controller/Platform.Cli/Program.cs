using Platform.Cli;

return await CliApp.RunAsync(args);
