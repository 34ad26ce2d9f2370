namespace Platform.Grpc;

/// <summary>
/// Put by the generated code on a service base class: names the static generic method that
/// binds an implementation, <c>ServiceDefinition BindService&lt;TService&gt;()</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class BindServiceMethodAttribute(Type bindType, string bindMethodName) : Attribute
{
    public Type BindType { get; } = bindType;
    public string BindMethodName { get; } = bindMethodName;
}
