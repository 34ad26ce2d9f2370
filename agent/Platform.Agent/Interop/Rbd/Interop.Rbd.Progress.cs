using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Rbd
    {
        /// <summary>
        /// Receives a <c>librbd_progress_fn_t</c> report (<paramref name="offset"/> of
        /// <paramref name="total"/>, in objects or bytes depending on the operation) on a librbd
        /// thread. Returning false asks librbd to stop; only some operations listen.
        /// </summary>
        internal delegate bool ProgressCallback(ulong offset, ulong total);

        [UnmanagedCallersOnly]
        private static unsafe int OnProgress(ulong offset, ulong total, void* state)
        {
            var target = (ProgressTarget?)GCHandle.FromIntPtr((IntPtr)state).Target;
            return target?.Report(offset, total) ?? 0;
        }

        /// <summary>What a native progress callback reaches through its <c>void*</c>: never lets an exception cross into librbd.</summary>
        private sealed class ProgressTarget(ProgressCallback? callback)
        {
            private ExceptionDispatchInfo? _failure;

            public ExceptionDispatchInfo? Failure => Volatile.Read(ref _failure);

            public int Report(ulong offset, ulong total)
            {
                if (callback is null)
                {
                    return 0;
                }
                try
                {
                    return callback(offset, total) ? 0 : -ECANCELED;
                }
#pragma warning disable CA1031 // Rethrown on the calling thread once librbd returned.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
                    return -ECANCELED;
                }
            }
        }

        /// <summary>Pins a <see cref="ProgressTarget"/> for the duration of one native call.</summary>
        private ref struct ProgressScope
        {
            private readonly ProgressTarget _target;
            private GCHandle _handle;

            public ProgressScope(ProgressCallback? callback)
            {
                _target = new ProgressTarget(callback);
                _handle = GCHandle.Alloc(_target);
            }

            public readonly unsafe void* State => (void*)GCHandle.ToIntPtr(_handle);

            public readonly void ThrowIfCallbackFailed() => _target.Failure?.Throw();

            public void Dispose()
            {
                if (_handle.IsAllocated)
                {
                    _handle.Free();
                }
            }
        }
    }
}
