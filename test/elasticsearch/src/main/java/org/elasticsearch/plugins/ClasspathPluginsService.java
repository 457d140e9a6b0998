package org.elasticsearch.plugins;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.elasticsearch.Build;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;

/**
 * Plugins taken from the classpath instead of a distribution's modules/ and plugins/ folders
 * (both empty here). Lives in this package for PluginsService's package-private helpers.
 */
public class ClasspathPluginsService extends PluginsService {
    private final List<LoadedPlugin> loaded;

    public ClasspathPluginsService(Settings settings, Environment env, Collection<Class<? extends Plugin>> classes) {
        super(settings, env.configFile(), env.modulesFile(), env.pluginsFile());
        List<LoadedPlugin> out = new ArrayList<>();
        for (Class<? extends Plugin> c : classes) {
            Plugin plugin = loadPlugin(c, settings, env.configFile());
            PluginDescriptor d = new PluginDescriptor(c.getName(), "classpath plugin", "NA", Build.current().version(),
                Integer.toString(Runtime.version().feature()), c.getName(), null, List.of(), false, false, false, false);
            out.add(new LoadedPlugin(d, plugin, c.getClassLoader(), ModuleLayer.boot()));
        }
        loadExtensions(out);
        this.loaded = List.copyOf(out);
    }

    @Override
    protected List<LoadedPlugin> plugins() {
        return loaded;
    }
}
