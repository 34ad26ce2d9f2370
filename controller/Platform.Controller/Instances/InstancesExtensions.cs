using Platform.Controller.Tasks;

namespace Platform.Controller.Instances;

internal static class InstancesExtensions
{
    public static WebApplicationBuilder AddInstances(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InstanceStore>();
        builder.Services.AddSingleton<InstanceTaskStore>();
        builder.Services.AddSingleton<InstanceQueries>();
        builder.Services.AddSingleton<InstanceCreation>();
        builder.Services.AddSingleton<InstanceOperations>();
        builder.Services.AddSingleton<ITaskHandler, CreateInstanceHandler>();
        builder.Services.AddSingleton<ITaskHandler, StartInstanceHandler>();
        builder.Services.AddSingleton<ITaskHandler, StopInstanceHandler>();
        builder.Services.AddSingleton<ITaskHandler, DestroyInstanceHandler>();
        return builder;
    }
}
