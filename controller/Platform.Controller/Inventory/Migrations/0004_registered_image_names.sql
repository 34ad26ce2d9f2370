-- Registered images keep the name their RBD image already has (ami-AB112345, win10-golden), so
-- image ids are no longer only ami-xxxxxxxx. Which names are allowed, and the largest volume,
-- are decided once in Platform.Contracts.Limits.RbdLimits, shared by controller and agent; the
-- schema keeps no second copy of either rule.
ALTER TABLE images DROP CONSTRAINT images_image_id_check;
ALTER TABLE images ADD CONSTRAINT images_image_id_not_empty CHECK (image_id <> '');
ALTER TABLE volumes DROP CONSTRAINT volumes_volume_size_check;
ALTER TABLE volumes ADD CONSTRAINT volumes_volume_size_positive CHECK (volume_size >= 1);
