using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.Tests.Unit;

/// <summary>A daemon's options sections registered as its Program.cs does, and the start-up validation run over them.</summary>
internal static class StartupValidation
{
    /// <summary>The repository checkout the tests run from (the folder holding Platform.sln).</summary>
    public static string Repository { get; } = FindRepository();

    /// <summary>Builds a host from only <paramref name="jsonFiles"/> and <paramref name="settings"/>, registers the sections, and validates them.</summary>
    public static void Run(Action<WebApplicationBuilder> register, Dictionary<string, string?> settings, params string[] jsonFiles)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.Sources.Clear();
        foreach (var file in jsonFiles)
        {
            builder.Configuration.AddJsonFile(file, optional: false);
        }
        builder.Configuration.AddInMemoryCollection(settings);
        register(builder);
        using var app = builder.Build();
        app.Services.GetRequiredService<IStartupValidator>().Validate();
    }

    private static string FindRepository()
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
