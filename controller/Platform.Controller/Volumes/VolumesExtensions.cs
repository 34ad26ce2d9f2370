using Platform.Controller.Tasks;

namespace Platform.Controller.Volumes;

internal static class VolumesExtensions
{
    public static WebApplicationBuilder AddVolumes(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<VolumeStore>();
        builder.Services.AddSingleton<VolumeUseCases>();
        builder.Services.AddSingleton<ITaskHandler, VolumeCreateHandler>();
        builder.Services.AddSingleton<ITaskHandler, VolumeDeleteHandler>();
        builder.Services.AddSingleton<ITaskHandler, VolumeMountHandler>();
        builder.Services.AddSingleton<ITaskHandler, VolumeUnmountHandler>();
        return builder;
    }
}
