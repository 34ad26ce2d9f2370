using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Platform.Agent.DriverDisk;

namespace Platform.Tests.Unit.DriverDisk;

public class DriverDiskRegistrationTests
{
    [Test]
    public void AddDriverDisk_binds_the_section_and_registers_one_engine_and_its_recovery_service()
    {
        var transfer = Path.Combine(Path.GetTempPath(), $"dd-transfer-{Guid.NewGuid():N}");
        try
        {
            using var app = Build(new Dictionary<string, string?>
            {
                ["DriverDisk:StateDirectory"] = "/srv/dd/state",
                ["DriverDisk:BackupDirectory"] = "/opt/voi_drive",
                ["DriverDisk:DeltaCount"] = "5",
                ["Transfer:Directory"] = transfer,
            });
            var options = app.Services.GetRequiredService<IOptions<DriverDiskOptions>>().Value;
            Assert.That((options.StateDirectory, options.BackupDirectory, options.DeltaCount), Is.EqualTo(("/srv/dd/state", "/opt/voi_drive", 5)));
            Assert.That(app.Services.GetRequiredService<DriverDiskEngine>(), Is.SameAs(app.Services.GetRequiredService<DriverDiskEngine>()));
            Assert.That(app.Services.GetServices<IHostedService>().OfType<DriverDiskRecoveryService>().Count(), Is.EqualTo(1));
        }
        finally
        {
            if (Directory.Exists(transfer))
            {
                Directory.Delete(transfer, recursive: true);
            }
        }
    }

    [Test]
    public void Invalid_options_fail_validation()
    {
        using var app = Build(new Dictionary<string, string?>
        {
            ["DriverDisk:StateDirectory"] = "/srv/dd",
            ["DriverDisk:BackupDirectory"] = "/srv/dd/backup",
            ["DriverDisk:DeltaCount"] = "0",
        });
        var error = Assert.Throws<OptionsValidationException>(() => _ = app.Services.GetRequiredService<IOptions<DriverDiskOptions>>().Value)!;
        Assert.That(error.Message, Does.Contain("DeltaCount"));
    }

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddDriverDisk();
        return builder.Build();
    }
}
